"""The stage ``prod`` packaged once per session, exactly as ``make package`` does it."""

import fcntl
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def packaged(tmp_path_factory, worker_id):
    """(template dict, its path, path of deployment.zip) from `make package` into a temp folder.

    Under pytest-xdist the workers share one package: the first to ask builds it in the run's own temporary folder
    while the others wait on a lock, then read it. Nothing in it is written to afterwards.
    """
    if worker_id == "master":
        return _package(tmp_path_factory.mktemp("dist") / "prod")
    shared = tmp_path_factory.getbasetemp().parent  # this run's folder, above each worker's own
    with open(shared / "package.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        out = shared / "dist" / "prod"
        if not (out / "sam.json").is_file():
            return _package(out)
        template_path = out / "sam.json"
        return json.loads(template_path.read_text(encoding="utf-8")), template_path, out / "deployment.zip"


def _package(out):
    # Credentials that cannot work prove that packaging never calls AWS.
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "not-used", "AWS_SECRET_ACCESS_KEY": "not-used"}
    # -o install: the suite already runs inside the installed .venv.
    command = ["make", "--no-print-directory", "-o", "install", "package", "STAGE=prod", f"DIST={out}"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    template_path = out / "sam.json"
    return json.loads(template_path.read_text(encoding="utf-8")), template_path, out / "deployment.zip"


@pytest.fixture(scope="session")
def template(packaged):
    return packaged[0]
