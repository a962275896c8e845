"""`make run` driven as a user drives it, on free ports and a data folder of its own."""

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from devtools import settings
from devtools.local import supervise
from tests.support.project import ROOT

StackEnv = tuple[dict[str, str], dict[str, int]]


class MakeRun:
    """`make run` in its own process group, as a terminal would run it, with its output collected."""

    args = ("make", "--no-print-directory", "run")

    def __init__(self, env: dict[str, str]) -> None:
        self.output: list[str] = []
        self.process = subprocess.Popen(
            list(self.args),
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def text(self) -> str:
        return "".join(self.output)

    def wait_for(self, needle: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"`make run` never printed {needle!r}:\n{self.text()}")
            time.sleep(0.2)

    def ctrl_c(self, timeout: float = 30) -> None:
        """What Ctrl-C does in a terminal: SIGINT to the whole foreground process group."""
        if self.process.poll() is not None:
            return  # it already ended; the caller's assertions say why
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise AssertionError(f"`make run` did not stop on Ctrl-C:\n{self.text()}") from None
        self._reader.join(5)


def run_env(tmp_path: Path, **extra: str) -> StackEnv:
    """A stack's environment on free ports, its data in ``tmp_path``, none of this process's AWS_/HOBOPY_ settings."""
    ports = {variable: supervise.free_port() for variable in settings.PORT_VARIABLES.values()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HOBOPY_"))}
    env.update({k: str(v) for k, v in ports.items()}, HOBOPY_DATA_DIR=str(tmp_path / "data"), **extra)
    return env, ports


def wait_until_closed(ports: Iterable[int], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(supervise.port_is_open("127.0.0.1", p) for p in ports):
            return
        time.sleep(0.2)
    still = [p for p in ports if supervise.port_is_open("127.0.0.1", p)]
    raise AssertionError(f"ports still listening after Ctrl-C: {still}")


def pid_serving(port: int, program: str) -> int:
    """The process whose command line names ``program`` and ``port``."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if str(port).encode() in args and any(program.encode() in arg for arg in args):
            return int(cmdline.parent.name)
    raise AssertionError(f"no {program} process serves port {port}")
