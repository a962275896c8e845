"""The GitHub Actions workflow: actionlint finds nothing, and it tests, packages and deploys main with OIDC."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
# actionlint compiled to WebAssembly, installed from npm with the local engine (package.json).
ACTIONLINT = ROOT / "node_modules" / "@tktco" / "node-actionlint" / "bin" / "node-actionlint.js"


def actionlint(path):
    if shutil.which("node") is None or not ACTIONLINT.exists():
        pytest.fail("actionlint is not installed: run `make install` (needs Node.js and npm)")
    result = subprocess.run(["node", str(ACTIONLINT), str(path)], capture_output=True, text=True, timeout=120)
    assert "Checking 1 workflow file(s)" in result.stdout, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def workflow():
    # PyYAML reads the key `on` as True (YAML 1.1), so look it up under both.
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))
    return data


def test_workflow_passes_actionlint():
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_misspelt_input_and_a_bad_permission(tmp_path):
    broken = (
        WORKFLOW.read_text(encoding="utf-8")
        .replace("role-to-assume:", "role-to-asume:")
        .replace("id-token: write", "id-token: writ")
    )
    (tmp_path / "ci.yml").write_text(broken, encoding="utf-8")
    result = actionlint(tmp_path / "ci.yml")
    assert result.returncode == 1
    assert '"role-to-asume" is not defined' in result.stdout
    assert '"writ" is invalid for permission of scope "id-token"' in result.stdout


def test_workflow_runs_on_every_push_and_pull_request(workflow):
    assert set(workflow["on"]) == {"push", "pull_request"}
    assert not any(workflow["on"].values()), "no branch filters: every push and pull request is tested"


def run_steps(job):
    return [step["run"] for step in job["steps"] if "run" in step]


def test_test_job_runs_make_test_then_make_package(workflow):
    assert run_steps(workflow["jobs"]["test"]) == ["make test", "make package"]


def test_deploy_job_deploys_main_only_after_the_tests_with_oidc_credentials(workflow):
    job = workflow["jobs"]["deploy"]
    assert job["needs"] == "test"
    assert "github.ref == 'refs/heads/main'" in job["if"] and "github.event_name == 'push'" in job["if"]
    assert job["permissions"]["id-token"] == "write"
    credentials = next(
        s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    )
    assert "role-to-assume" in credentials["with"]
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(credentials["with"])
    assert run_steps(job) == ["make deploy STAGE=prod"]


def test_workflow_grants_only_read_access_by_default(workflow):
    assert workflow["permissions"] == {"contents": "read"}
