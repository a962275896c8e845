"""The GitHub Actions workflow: actionlint finds nothing, and it tests, packages and deploys main with OIDC."""

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
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


def action(step):
    return step.get("uses", "").split("@")[0]


def step_named(job, name):
    return next(step for step in job["steps"] if step.get("name") == name)


def test_the_package_job_installs_only_the_locked_packaging_tools_and_runs_no_test_tooling(workflow):
    job = workflow["jobs"]["package"]
    assert "needs" not in job, "the package is built before and apart from the tests"
    install = step_named(job, "install the packaging tools")["run"].splitlines()
    assert install[1:] == [
        ".venv/bin/python -m pip install --require-hashes -r deploy/requirements-package.lock",
        ".venv/bin/python -m pip install --no-deps --no-build-isolation -e .",
        "npm ci --omit=dev --ignore-scripts --no-audit --no-fund",
    ]
    text = yaml.safe_dump(job)
    for tooling in ("make test", "make install", "pytest", "cfn-lint", "requirements.lock ", "[test]"):
        assert tooling not in text, tooling
    assert step_named(job, "package both stages")["run"].splitlines() == [
        ".venv/bin/hobopy package --stage staging --out dist/staging",
        ".venv/bin/hobopy package --stage prod --out dist/prod",
    ]


def digest_step(job):
    return next(s for s in job["steps"] if s.get("id") == "digest")


def test_the_package_job_publishes_the_sha256_of_every_file_it_uploads(workflow):
    job = workflow["jobs"]["package"]
    assert job["outputs"] == {"sha256sums": "${{ steps.digest.outputs.sha256sums }}"}
    digest = digest_step(job)["run"]
    assert "make --no-print-directory package-sums DIST=dist" in digest
    assert '>> "$GITHUB_OUTPUT"' in digest and '>> "$GITHUB_STEP_SUMMARY"' in digest
    upload = next(s for s in job["steps"] if action(s) == "actions/upload-artifact")
    assert job["steps"].index(upload) > job["steps"].index(digest_step(job))
    assert upload["with"] == {"name": "package", "path": "dist", "if-no-files-found": "error", "retention-days": 7}


def verify_steps(job):
    return [s for s in job["steps"] if s.get("run", "").startswith("make verify-package DIST=dist")]


def test_the_test_job_lints_the_package_job_s_templates_after_checking_its_digest(workflow):
    job = workflow["jobs"]["test"]
    assert job["needs"] == "package"
    install, test = [step for step in job["steps"] if "run" in step][:2]
    # The browser tests fail in CI without a browser: they drive the runner's Google Chrome, which is checked first.
    assert "apt-get install -y fonts-noto-cjk" in install["run"]
    assert install["run"].splitlines()[-1] == 'test -x "$HOBOPY_CHROMIUM"'
    assert install["env"] == test["env"] == {"HOBOPY_CHROMIUM": "/usr/bin/google-chrome"}
    assert test["run"] == "make test"
    (check,) = verify_steps(job)
    assert check["env"] == {"SHA256SUMS": "${{ needs.package.outputs.sha256sums }}"}
    assert check["run"].splitlines() == [
        "make verify-package DIST=dist",
        ".venv/bin/cfn-lint dist/staging/sam.json dist/prod/sam.json",
    ]


DEPLOYS = [
    ("deploy-staging", "staging", "staging", {"package", "test"}),
    ("deploy-production", "production", "prod", {"package", "deploy-staging"}),
]


@pytest.mark.parametrize(("name", "environment", "stage", "needs"), DEPLOYS)
def test_main_deploys_to_staging_after_the_tests_then_to_production_with_oidc(
    workflow, name, environment, stage, needs
):
    job = workflow["jobs"][name]
    assert set(job["needs"]) == needs
    assert "github.ref == 'refs/heads/main'" in job["if"] and "github.event_name == 'push'" in job["if"]
    assert job["environment"] == {"name": environment, "url": "${{ steps.deploy.outputs.app-url }}"}
    assert job["concurrency"] == {"group": f"deploy-{environment}", "cancel-in-progress": False}
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    credentials = next(s for s in job["steps"] if action(s) == "aws-actions/configure-aws-credentials")
    assert credentials["with"] == {
        "role-to-assume": "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
        "aws-region": "${{ vars.AWS_REGION }}",
    }
    assert run_steps(job)[0] == "make verify-package DIST=dist"
    deploy = step_named(job, "deploy the checked package")
    assert deploy["id"] == "deploy" and deploy["env"] == {"BUCKET": "${{ vars.DEPLOY_BUCKET }}"}
    assert deploy["run"].splitlines() == [
        f"make deploy-artifact STAGE={stage} DIST=dist/{stage}",
        f'echo "app-url=$(make --no-print-directory app-url STAGE={stage})" >> "$GITHUB_OUTPUT"',
    ]
    smoke = step_named(job, "smoke check")
    assert smoke["env"] == {"APP_URL": "${{ steps.deploy.outputs.app-url }}"}
    assert smoke["run"] == '.venv/bin/python -m devtools.deploy.smoke "$APP_URL"'


@pytest.mark.parametrize("name", ["deploy-staging", "deploy-production"])
def test_a_deploy_job_checks_the_digest_before_it_installs_and_before_it_has_credentials(workflow, name):
    upload = next(s for s in workflow["jobs"]["package"]["steps"] if action(s) == "actions/upload-artifact")
    steps = workflow["jobs"][name]["steps"]
    assert [action(s) or s["name"] for s in steps] == [
        "actions/checkout",
        "actions/download-artifact",
        "check the package against the published digest",
        "actions/setup-python",
        "install the publishing tools",
        "aws-actions/configure-aws-credentials",
        "deploy the checked package",
        "smoke check",
    ]
    assert steps[1]["with"] == {"name": upload["with"]["name"], "path": "dist"}
    assert steps[2]["env"] == {"SHA256SUMS": "${{ needs.package.outputs.sha256sums }}"}
    # Only the publishing lock, hashes checked, and the project without dependencies: no build, no test tool.
    assert steps[4]["run"].splitlines()[1:] == [
        ".venv/bin/python -m pip install --require-hashes -r deploy/requirements-publish.lock",
        ".venv/bin/python -m pip install --no-deps --no-build-isolation -e .",
    ]
    assert not re.search(r"make (package|test|install)|hobopy|npm", yaml.safe_dump(steps))


def test_production_runs_exactly_the_staging_steps_for_its_own_stage(workflow):
    staging, production = (
        json.dumps(workflow["jobs"][name]["steps"]) for name in ("deploy-staging", "deploy-production")
    )
    assert production == staging.replace("STAGE=staging", "STAGE=prod").replace("dist/staging", "dist/prod")


def sums(folder):
    command = ["make", "--no-print-directory", "package-sums", f"DIST={folder}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def verify(folder, digest):
    command = ["make", "--no-print-directory", "verify-package", f"DIST={folder}"]
    env = {**os.environ, "SHA256SUMS": digest}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_verify_package_accepts_exactly_the_files_of_the_digest(tmp_path):
    files = {"deployment.zip": b"zip", "sam.json": b"{}", "site/js/main.js": b"x"}
    (tmp_path / "site" / "js").mkdir(parents=True)
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    digest = sums(tmp_path)
    assert digest.splitlines() == [f"{hashlib.sha256(data).hexdigest()}  ./{name}" for name, data in files.items()]
    assert verify(tmp_path, digest).returncode == 0
    assert verify(tmp_path, "").returncode == 2
    (tmp_path / "sam.json").write_bytes(b"{ }")
    assert "./sam.json: FAILED" in verify(tmp_path, digest).stdout
    (tmp_path / "sam.json").write_bytes(b"{}")
    (tmp_path / "site" / "extra.js").write_bytes(b"")
    refused = verify(tmp_path, digest)
    assert refused.returncode != 0 and "not deploying it" in refused.stdout
    (tmp_path / "site" / "extra.js").unlink()
    (tmp_path / "site" / "js" / "main.js").unlink()
    assert verify(tmp_path, digest).returncode != 0


def deploy_artifact_commands(tmp_path, *variables):
    """What make deploy-artifact runs, one command a line, as on CI's deploy runner: no .venv of the project."""
    command = ["make", "-n", "--no-print-directory", "deploy-artifact", "BUCKET=b", f"DIST={tmp_path}"]
    command += [f"VENV={tmp_path / 'no-venv'}", *variables]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.replace("\\\n", " ").splitlines()


def test_make_deploy_artifact_deploys_the_stack_then_publishes_the_ui_and_builds_nothing(tmp_path):
    lines = deploy_artifact_commands(tmp_path, "STAGE=staging")
    assert [line.split()[0] for line in lines] == ["test", "test", "aws", "aws", "echo", "python3"]
    assert [line.split()[:3] for line in lines if line.startswith("aws ")] == [
        ["aws", "cloudformation", "package"],
        ["aws", "cloudformation", "deploy"],
    ]
    assert "--stack-name hobopy-staging" in lines[3]
    assert (
        lines[-1]
        == f"python3 -m devtools.deploy.site publish --stack hobopy-staging --stage staging --site {tmp_path}/site"
    )
    assert not re.search(r"pip|npm|venv|hobopy package|transcrypt|devtools.ui", "\n".join(lines))


def test_template_switches_are_passed_only_when_given(tmp_path):
    (deploy,) = [line for line in deploy_artifact_commands(tmp_path) if "cloudformation deploy" in line]
    assert "--parameter-overrides" not in deploy
    given = ["WEB_ACL=on", "WEB_ACL_RATE_LIMIT=300", "API_ACCESS_LOG=on", "APP_DOMAIN=todo.example.com"]
    given.append("APP_CERTIFICATE_ARN=arn:aws:acm:us-east-1:123456789012:certificate/x")
    (deploy,) = [line for line in deploy_artifact_commands(tmp_path, *given) if "cloudformation deploy" in line]
    assert deploy.split("--parameter-overrides ")[1].split() == [
        "WebAcl=on",
        "WebAclRateLimit=300",
        "ApiAccessLog=on",
        "AppDomain=todo.example.com",
        "AppCertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/x",
    ]


def test_make_destroy_empties_the_site_bucket_before_deleting_the_stack(tmp_path):
    command = ["make", "-n", "--no-print-directory", "-o", "install", "destroy", "STAGE=staging"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("echo")]
    assert [" ".join(line.split()[1:4]) for line in lines] == [
        "-m devtools.deploy.site empty",
        "cloudformation delete-stack --stack-name",
        "cloudformation wait stack-delete-complete",
    ]
    assert all("hobopy-staging" in line for line in lines)


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
    assert len(checkouts) == 4
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_workflow_grants_only_read_access_by_default(workflow):
    assert workflow["permissions"] == {"contents": "read"}
