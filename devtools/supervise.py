"""Child processes of the dev tools: start, wait for, stop, and restart with backoff when they die."""

import collections
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

Process = subprocess.Popen[bytes]


class Stopped(Exception):
    """A stop signal (SIGINT, SIGTERM or SIGHUP) arrived."""


class StartError(Exception):
    """A child did not start, or did not answer in time."""


class CrashLoop(Exception):
    """A child keeps dying: restarting it again would not help."""


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signal.Signals(signum).name)


@contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Inside the block a stop signal raises ``Stopped``; after it they are ignored,
    so that the cleanup which follows is not cut short by a second Ctrl-C."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_stopped)
    try:
        yield
    finally:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


def port_is_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _child_preexec() -> None:
    # Own session: Ctrl-C reaches the supervisor, which stops children in
    # order. On Linux, also die with the supervisor if it is killed outright.
    os.setsid()
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def spawn(
    args: Sequence[str],
    log_path: Path | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Process:
    """Start a child process in its own session, output to ``log_path`` (or inherited)."""
    stdout: IO[bytes] | None = open(log_path, "ab") if log_path else None  # noqa: SIM115 (the child keeps it)
    try:
        return subprocess.Popen(
            list(args),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.STDOUT if stdout else None,
            preexec_fn=_child_preexec if os.name == "posix" else None,
        )
    finally:
        if stdout:
            stdout.close()


def stop(process: Process | None, timeout: float = 5.0) -> None:
    """Stop a child started by ``spawn`` and everything in its session."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def exit_reason(process: Process) -> str:
    """How a child ended, in words: ``status 1`` or ``signal SIGKILL``."""
    code = process.returncode
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"status {code}"


def wait_until(answers: Callable[[], bool], process: Process | None, what: str, timeout: float = 60.0) -> None:
    """Wait until ``answers()`` is true; fail early if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise StartError(f"the {what} exited with {exit_reason(process)} before it answered")
        if answers():
            return
        time.sleep(0.05)
    raise StartError(f"the {what} did not answer within {timeout:.0f} s")


def answers_http(url: str) -> Callable[[], bool]:
    """A check for ``wait_until``: whether ``url`` answers HTTP at all (any status)."""

    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    return check


@dataclass
class Child:
    """A supervised child: how to start it and how to tell that it serves."""

    name: str
    start: Callable[[], Process]
    ready: Callable[[Process], None]
    # Run after a restart, once the child serves again (e.g. recreate what an in-memory engine lost).
    after_restart: Callable[[], None] | None = None
    process: Process | None = None
    deaths: collections.deque[float] = field(default_factory=collections.deque)


class Supervisor:
    """Children started in order, stopped newest first, restarted with backoff when they die.

    ``max_deaths`` deaths of one child within ``window`` seconds is a crash loop: ``watch`` raises ``CrashLoop``.
    """

    def __init__(
        self,
        say: Callable[[str], None],
        max_deaths: int = 5,
        window: float = 60.0,
        first_delay: float = 2.0,
        max_delay: float = 16.0,
    ) -> None:
        self.say = say
        self.max_deaths, self.window = max_deaths, window
        self.first_delay, self.max_delay = first_delay, max_delay
        self.children: list[Child] = []

    def start(self, child: Child) -> Process:
        """Start ``child`` and wait until it serves; it is stopped with the others even if that fails."""
        self.children.append(child)
        child.process = child.start()
        child.ready(child.process)
        return child.process

    def watch(self) -> None:
        """Restart every child that has died since the last call."""
        for child in self.children:
            while child.process is not None and child.process.poll() is not None:
                self._restart(child)

    def _restart(self, child: Child) -> None:
        assert child.process is not None
        now = time.monotonic()
        child.deaths.append(now)
        while child.deaths and child.deaths[0] < now - self.window:
            child.deaths.popleft()
        if len(child.deaths) >= self.max_deaths:
            raise CrashLoop(
                f"the {child.name} died {len(child.deaths)} times within {self.window:.0f} s "
                f"(last: {exit_reason(child.process)}); stopping everything."
            )
        delay = min(self.first_delay * 2 ** (len(child.deaths) - 1), self.max_delay)
        self.say(f"the {child.name} exited with {exit_reason(child.process)}; restarting it in {delay:g} s")
        time.sleep(delay)
        child.process = child.start()
        try:
            child.ready(child.process)
            if child.after_restart:
                child.after_restart()
        except Exception as exc:  # whatever it was, the child is not serving: try again or call it a crash loop
            self.say(f"the {child.name} did not come back: {exc}")
            stop(child.process)
            return  # watch() sees it dead and counts another death
        self.say(f"the {child.name} is running again")

    def stop(self) -> None:
        """Stop every child, newest first; safe to call more than once."""
        while self.children:
            stop(self.children.pop().process)
