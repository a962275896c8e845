"""The stage ``prod`` packaged once per session, exactly as ``make package`` does it."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def packaged(tmp_path_factory):
    """(template dict, its path, path of deployment.zip) from `make package` into a temp folder."""
    out = tmp_path_factory.mktemp("dist") / "prod"
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
