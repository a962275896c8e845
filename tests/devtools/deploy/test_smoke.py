"""The smoke check CI runs after each deployment, run here against a local stack: the local API (requiring a token,
as a deployed stage does) and the UI server serving the packaged site."""

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from devtools.deploy import smoke
from devtools.local import supervise
from devtools.ui.server import make_server
from tests.support.localapi import start_api
from tests.support.project import chalice_project

ROOT = Path(__file__).resolve().parents[3]
BACKEND = ROOT / "backend"
AUTH = {"userPoolId": "us-east-1_Example1", "clientId": "example-client-id", "region": "us-east-1"}


def local_api(folder, **extra_env):
    """The local API for a stage without the dev stage's demo owner, unless ``extra_env`` gives one."""
    env = {"ANONYMOUS_OWNER": "", **AUTH_ENV, **extra_env}
    project = Path(chalice_project(folder, "http://127.0.0.1:9", "Todos", extra_env=env))
    for name in ("app.py", "chalicelib"):
        (project / name).symlink_to(BACKEND / name)
    return start_api(str(project), folder / "api.log")


AUTH_ENV = {"AUTH_USER_POOL_ID": AUTH["userPoolId"], "AUTH_CLIENT_ID": AUTH["clientId"], "AUTH_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def smoke_api_server(tmp_path_factory):
    running = local_api(tmp_path_factory.mktemp("api"))
    yield running
    supervise.stop(running.process)


@pytest.fixture(scope="module")
def site_url(packaged, smoke_api_server):
    """The UI server on the site `make package` wrote, for the API above."""
    server = make_server(
        "127.0.0.1", 0, "/api/", "staging", packaged[1].parent / "site", AUTH, api_server=smoke_api_server.url
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_the_smoke_check_passes_against_the_local_stack(smoke_api_server, site_url):
    lines = []
    assert smoke.smoke(smoke_api_server.url + "/", "/", site_url, echo=lines.append) == []
    assert lines == [
        f"ok   page {site_url}",
        f"ok   OpenAPI document {smoke_api_server.url}/openapi.json",
        f"ok   {smoke_api_server.url}/todos refused without a token",
    ]


def test_the_smoke_check_passes_through_the_uis_origin_as_on_a_deployed_stage(site_url):
    """Deployed, the app's URL serves the UI and, under /api/, the API: the very check CI runs against staging."""
    lines = []
    assert smoke.smoke(site_url, "/api/", site_url, echo=lines.append) == []
    assert lines == [
        f"ok   page {site_url}",
        f"ok   OpenAPI document {site_url}api/openapi.json",
        f"ok   {site_url}api/todos refused without a token",
    ]


def test_an_api_that_answers_without_a_token_fails_the_smoke_check(tmp_path, site_url):
    anonymous = local_api(tmp_path, ANONYMOUS_OWNER="demo")
    try:
        problems = smoke.smoke(anonymous.url + "/", "/", site_url, echo=lambda line: None)
    finally:
        supervise.stop(anonymous.process)
    # The demo owner's answer (here 503: this stack has no database) is not the refusal a deployed stage gives.
    (problem,) = problems
    assert problem.startswith(f"GET {anonymous.url}/todos without a token: 503 ")
    assert problem.endswith(", expected 401 UnauthorizedError")


def test_a_page_without_its_security_headers_fails_and_https_needs_hsts(monkeypatch, smoke_api_server, site_url):
    real_get = smoke.get

    def without_policy(url):
        answer = real_get(url)
        del answer.headers["Content-Security-Policy"]
        return answer

    monkeypatch.setattr(smoke, "get", without_policy)
    (problem,) = smoke.check_page(site_url)
    assert problem.startswith(f"GET {site_url}: header Content-Security-Policy is None")
    monkeypatch.setattr(smoke, "get", real_get)
    # The same page over HTTPS must carry Strict-Transport-Security (the local server speaks HTTP only).
    monkeypatch.setattr(smoke, "get", lambda url: real_get(url.replace("https:", "http:", 1)))
    assert smoke.check_page(site_url.replace("http:", "https:", 1)) == [
        f"GET {site_url.replace('http:', 'https:', 1)}: no Strict-Transport-Security of at least max-age=31536000"
    ]


def test_the_command_exits_1_after_its_attempts_and_0_when_all_pass(smoke_api_server, site_url):
    args = [
        sys.executable,
        "-m",
        "devtools.deploy.smoke",
        smoke_api_server.url + "/",
        "--api-path",
        "/",
        "--ui-url",
        site_url,
    ]
    passed = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert passed.returncode == 0, passed.stderr
    assert passed.stdout.splitlines()[-1] == f"smoke check passed: {smoke_api_server.url}/"
    failed = subprocess.run(
        [*args[:4], "--api-path", "/nowhere/", "--attempts", "2", "--wait", "0", "--ui-url", site_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert failed.returncode == 1
    assert failed.stderr.count("trying again") == 1
