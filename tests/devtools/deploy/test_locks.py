"""The locks: every package pinned with the SHA-256 of each of its files, installed with the hashes checked."""

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LOCK = ROOT / "requirements.lock"
UV_LOCK, PACKAGE_LOCK, PUBLISH_LOCK = (ROOT / "deploy" / f"requirements-{n}.lock" for n in ("uv", "package", "publish"))
ENTRY = re.compile(r"^([A-Za-z0-9._-]+)==(\S+?)(?: ; (.+?))? \\\n((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", re.M)
# (mypy is not among them: Transcrypt needs it.)
TEST_TOOLING = {"pytest", "pytest-xdist", "hypothesis", "moto", "schemathesis", "playwright", "cfn-lint", "ruff"}


def normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def entries(path):
    """{name: (version, markers, hashes)} of a lock; every requirement line must be one such entry."""
    text = path.read_text(encoding="utf-8")
    found = {
        normal(m[1]): (m[2], m[3], tuple(re.findall(r"sha256:([0-9a-f]{64})", m[4]))) for m in ENTRY.finditer(text)
    }
    requirements = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert len(requirements) == len(found), f"{path.name}: a requirement without a pinned version or hashes"
    return found


def pins(requirements):
    return {normal(re.split(r"[\[=]", r)[0]): r.split("==")[1] for r in requirements}


@pytest.fixture(scope="module")
def lock():
    return entries(LOCK)


def test_every_locked_package_has_an_exact_version_and_hashes(lock):
    assert len(lock) > 100
    assert all(hashes for _, _, hashes in lock.values())


def test_the_lock_has_every_pin_of_pyproject_at_the_same_version(lock):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = pins(project["project"]["dependencies"]) | pins(project["project"]["optional-dependencies"]["test"])
    wanted |= pins(project["build-system"]["requires"])  # installed, then used to build the project
    assert {name: lock[name][0] for name in wanted} == wanted


def test_uv_is_locked_at_the_version_the_makefile_installs(lock):
    pin = re.search(r"^UV := uv==(\S+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)[1]
    assert entries(UV_LOCK) == {"uv": lock["uv"]} and lock["uv"][0] == pin


@pytest.mark.parametrize(
    ("path", "needed"),
    [
        (PACKAGE_LOCK, {"chalice", "boto3", "transcrypt", "setuptools"}),
        (PUBLISH_LOCK, {"boto3", "click", "setuptools"}),
    ],
)
def test_ci_job_locks_hold_only_what_their_job_needs_as_the_main_lock_has_it(lock, path, needed):
    subset = entries(path)
    assert needed <= set(subset)
    assert not TEST_TOOLING & set(subset)
    assert {name: lock[name] for name in subset} == subset


def install_recipe(tmp_path, installer):
    command = ["make", "-n", "--no-print-directory", "install", f"VENV={tmp_path}/venv", f"INSTALLER={installer}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return re.sub(r"\s+", " ", result.stdout.replace("\\\n", " "))


def test_make_install_checks_hashes_with_uv_and_with_pip_and_adds_the_project_without_dependencies(tmp_path):
    recipe = install_recipe(tmp_path, "uv")
    uv, _, pip = recipe.partition("; else ")
    assert (
        "pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r deploy/requirements-uv.lock"
        in uv
    )
    assert "/uv pip install --quiet --python " in uv and " --require-hashes -r requirements.lock" in uv
    assert "--require-hashes -r requirements.lock" in pip
    # The project is the one requirement without a hash: nothing else comes with it, and its build backend is locked.
    installs = re.findall(r"install [^;&|]*?-e \.", recipe)
    assert len(installs) == 2 and all("--no-deps --no-build-isolation" in i for i in installs)
    assert "'.[test]'" not in recipe and "-c requirements.lock" not in recipe
