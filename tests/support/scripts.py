"""Run the installed `hobopy` and `aws` console scripts in subprocesses, as a user would, or `hobopy` in process."""

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from devtools.db import datafiles, tables
from tests.support.project import setup_client

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEED = json.loads(datafiles.SEED_PATH.read_text(encoding="utf-8"))
SEED_ITEMS = [request["PutRequest"]["Item"] for request in SEED["Todos"]]

# A locale that says ASCII; PYTHONUTF8=0 stops Python from switching to UTF-8 on its own.
C_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}
UTF8_LOCALE = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}


def environment(extra=None):
    # No AWS settings from outside: nothing may find real credentials or reach beyond 127.0.0.1.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HOBOPY_", "LC_", "PYTHON", "AWS_")) and k != "LANG"
    }
    env.update(UTF8_LOCALE, AWS_EC2_METADATA_DISABLED="true")
    env.update(extra or {})
    return env


def run(program, *args, env=None, input=None, cwd=ROOT):
    """Run a console script from the virtualenv; returns the finished process (bytes output)."""
    return subprocess.run(
        [str(BIN / program), *map(str, args)],
        env=environment(env),
        input=input,
        cwd=cwd,
        capture_output=True,
        timeout=120,
    )


def hobopy(*args, **kwargs):
    return run("hobopy", *args, **kwargs)


def hobopy_in_process(*args, input=None):
    """`hobopy ARGS` run by click in this process, answered as ``run`` answers: for the tests of what a command
    does rather than of the process it runs in (its locale, its output encoding), without starting Python anew.

    The command sees the environment ``run`` gives a subprocess, works in the same folder, and writes its output
    as UTF-8; an exception it lets out fails the test, as a traceback would.
    """
    from devtools import cli

    wanted = environment()
    changes = {name: wanted.get(name) for name in {*os.environ, *wanted} if os.environ.get(name) != wanted.get(name)}
    with contextlib.chdir(ROOT):
        result = CliRunner(env=changes).invoke(cli.main, list(map(str, args)), input=input, catch_exceptions=False)
    return subprocess.CompletedProcess(["hobopy", *args], result.exit_code, result.stdout_bytes, result.stderr_bytes)


def assert_one_line_failure(result, *fragments):
    """Exit status 1, nothing on stdout, one line on stderr holding ``fragments``, no traceback."""
    err = result.stderr.decode("utf-8")
    assert result.returncode == 1, (result.returncode, err)
    assert result.stdout == b""
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    return err.strip()


def table_items(endpoint, table):
    """The table's items in DynamoDB JSON, sorted by id."""
    return sorted(tables.scan_items(setup_client(endpoint), table), key=lambda item: item["id"]["S"])


def write_json(path, document):
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
