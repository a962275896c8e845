"""The local API server (python -m devtools.local.api) started on a free port for a test."""

from __future__ import annotations

import http.client
import subprocess
import sys
from pathlib import Path

from devtools.local import supervise
from tests.support.project import BACKEND, ROOT, chalice_project
from tests.support.wire import Answer, connect, read_answer

REQUEST_TIMEOUT = 1.5


class RunningAPI:
    def __init__(self, port: int, process: subprocess.Popen[bytes]) -> None:
        self.port, self.process = port, process
        self.url = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def send(self, raw: bytes) -> Answer:
        with connect(self.port) as sock:
            sock.sendall(raw)
            return read_answer(sock)


def api_project(folder: Path, endpoint: str, table: str) -> str:
    """A Chalice project with the app of backend/ and a stage ``test`` for ``endpoint``/``table``."""
    project = Path(chalice_project(folder, endpoint, table))
    for name in ("app.py", "chalicelib"):
        (project / name).symlink_to(BACKEND / name)
    return str(project)


def start_api(project: str, log: Path, *extra: str) -> RunningAPI:
    port = supervise.free_port()
    args = [sys.executable, "-m", "devtools.local.api", "--stage", "test", "--port", str(port), *extra]
    args += ["--project-dir", project, "--request-timeout", str(REQUEST_TIMEOUT)]
    process = supervise.spawn(args, log_path=log, cwd=ROOT)
    supervise.wait_until(lambda: supervise.port_is_open("127.0.0.1", port), process, "local API", timeout=30)
    return RunningAPI(port, process)
