"""``python -m devtools.ui serve``: the static server the local stack starts as a child process."""

import shutil
import signal
import subprocess
import sys
import time

import pytest
import requests

from devtools.local import supervise
from devtools.settings import ROOT

API = "http://127.0.0.1:8999/"
IDP = "http://127.0.0.1:8998"
AUTH = {"userPoolId": "us-east-1_Local", "clientId": "client1", "region": "us-east-1", "endpoint": IDP}


def start_server(port, out_dir, *extra):
    args = [
        sys.executable,
        "-m",
        "devtools.ui",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--api-url",
        API,
        "--auth-endpoint",
        IDP,
        "--user-pool-id",
        AUTH["userPoolId"],
        "--client-id",
        AUTH["clientId"],
        "--out",
        str(out_dir),
        *extra,
    ]
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_port(process, port, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}: {process.communicate()}")
        if supervise.port_is_open("127.0.0.1", port):
            return
        time.sleep(0.05)
    raise AssertionError("the server did not listen in time")


@pytest.fixture(scope="module")
def served_site(tmp_path_factory):
    """The folder the module's server builds the UI into."""
    return tmp_path_factory.mktemp("site")


@pytest.fixture(scope="module")
def server(served_site):
    port = supervise.free_port()
    process = start_server(port, served_site)
    try:
        wait_for_port(process, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/js/main.js", "text/javascript; charset=utf-8"),
        ("/js/todoui.model.js", "text/javascript; charset=utf-8"),
        ("/css/app.css", "text/css; charset=utf-8"),
        ("/css/bootstrap-used.css", "text/css; charset=utf-8"),
        ("/config.js", "text/javascript; charset=utf-8"),
        ("/config.json", "application/json"),
        ("/favicon.svg", "image/svg+xml"),
    ],
)
def test_every_file_is_served_with_its_type_and_nosniff(server, path, content_type):
    response = requests.get(server + path, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_policy_forbids_inline_script_and_allows_requests_only_to_the_api(server):
    policy = requests.get(server + "/", timeout=5).headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == f"http://127.0.0.1:8999 {IDP}"
    assert directives["default-src"] == "'none'"


def test_the_configuration_and_the_pages_policy_served_name_the_servers_api_url(server):
    assert requests.get(server + "/config.json", timeout=5).json() == {"apiUrl": API, "stage": "dev", "auth": AUTH}
    assert API in requests.get(server + "/config.js", timeout=5).text
    for path in ("/", "/index.html", "/index.html?x=1"):
        assert f"connect-src http://127.0.0.1:8999 {IDP};" in requests.get(server + path, timeout=5).text


@pytest.mark.parametrize("path", ["/js/", "/css", "/missing.html", "/../pyproject.toml", "/%2e%2e/pyproject.toml"])
def test_folders_are_not_listed_and_nothing_outside_the_site_is_served(server, path):
    response = requests.get(server + path, timeout=5, allow_redirects=True)
    assert response.status_code == 404
    assert "pyproject" not in response.text


@pytest.fixture
def built_site(server, served_site, tmp_path):
    """A copy of what the module's server built: a server started on it finds its compiled UI up to date."""
    return shutil.copytree(served_site, tmp_path / "site")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_server_exits_cleanly_and_quickly_on_a_stop_signal(built_site, signum):
    port = supervise.free_port()
    process = start_server(port, built_site)
    try:
        wait_for_port(process, port)
        assert requests.get(f"http://127.0.0.1:{port}/config.json", timeout=5).status_code == 200
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert '"GET /config.json HTTP/1.1" 200' in stdout  # the request's line, as the API server logs it
    assert not supervise.port_is_open("127.0.0.1", port)


def test_a_taken_port_is_a_clear_error(server, built_site):
    port = int(server.rsplit(":", 1)[1])
    process = start_server(port, built_site)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in stderr
    assert "Traceback" not in stderr


def test_serving_the_prod_stage_without_its_url_names_the_placeholder(tmp_path):
    args = [
        sys.executable,
        "-m",
        "devtools.ui",
        "serve",
        "--port",
        str(supervise.free_port()),
        "--stage",
        "prod",
        "--out",
        str(tmp_path),
    ]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "placeholder" in result.stderr
