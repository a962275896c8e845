"""Child processes of the dev tools: start, wait for, stop, and restart with backoff when they die."""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

Process = subprocess.Popen[bytes]
STOP_SIGNALS = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]
Stopped = KeyboardInterrupt  # what every stop signal raises inside ``stop_signals_raise``


class StartError(Exception):
    """A child did not start, or did not answer in time."""


class CrashLoop(Exception):
    """A child keeps dying: restarting it again would not help."""


@contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Inside the block SIGINT (even one a shell's background job ignores), SIGTERM and SIGHUP raise ``Stopped``;
    after it they are ignored, so that the cleanup which follows is not cut short by a second Ctrl-C."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.default_int_handler)
    try:
        yield
    finally:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


def port_is_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    with socket.socket() as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def spawn(
    args: Sequence[str], log_path: Path | None = None, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Process:
    """Start a child in its own session (Ctrl-C reaches the supervisor, which stops children in order),
    output to ``log_path`` (or inherited)."""
    with _private_log(log_path) if log_path else nullcontext() as log:
        return subprocess.Popen(
            list(args),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT if log else None,
            start_new_session=True,
            # Linux's PR_SET_PDEATHSIG (1): a supervisor killed outright takes its children along.
            preexec_fn=(lambda: ctypes.CDLL(None).prctl(1, signal.SIGTERM)) if sys.platform == "linux" else None,
        )


def _private_log(path: Path) -> BinaryIO:
    """``path`` opened for appending, readable by its owner only (0600)."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    if os.name != "nt":
        os.fchmod(handle, 0o600)  # a log from an older version may be open to others
    return os.fdopen(handle, "ab")


def stop(process: Process | None, timeout: float = 5.0) -> None:
    """Stop a child started by ``spawn`` and everything in its session."""
    for last in (False, True):  # then SIGKILL for whatever is left after ``timeout``
        if process is None or process.poll() is not None:
            return
        with suppress(ProcessLookupError, PermissionError):  # the session may be gone already
            if os.name != "nt":
                os.killpg(process.pid, signal.SIGKILL if last else signal.SIGTERM)
            elif last:  # Windows has no sessions or SIGKILL: the child alone
                process.kill()
            else:
                process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout)


def exit_reason(process: Process) -> str:
    """How a child ended, in words: ``status 1`` or ``signal SIGKILL``."""
    code = process.returncode
    if code is not None and code < 0:
        with suppress(ValueError):
            return f"signal {signal.Signals(-code).name}"
    return f"status {code}"


def wait_until(answers: Callable[[], bool], process: Process | None, what: str, timeout: float = 60.0) -> None:
    """Wait until ``answers()`` is true; fail early if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while process is None or process.poll() is None:
        if answers():
            return
        if time.monotonic() > deadline:
            raise StartError(f"the {what} did not answer within {timeout:.0f} s")
        time.sleep(0.05)
    raise StartError(f"the {what} exited with {exit_reason(process)} before it answered")


def answers_http(url: str) -> Callable[[], bool]:
    """A check for ``wait_until``: whether ``url`` answers HTTP at all (any status)."""

    def check() -> bool:
        try:
            urllib.request.urlopen(url, timeout=2).close()
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    return check


@dataclass
class Child:
    """A supervised child: how to start it, and how to wait until it serves (raising if it does not)."""

    name: str
    start: Callable[[], Process]
    ready: Callable[[Process], None]
    process: Process | None = None
    deaths: list[float] = field(default_factory=list)


@dataclass
class Supervisor:
    """Children started in order, stopped newest first, restarted with backoff when they die.

    ``max_deaths`` deaths of one child within ``window`` seconds is a crash loop: ``watch`` raises ``CrashLoop``.
    """

    say: Callable[[str], None]
    max_deaths: int = 5
    window: float = 60.0
    first_delay: float = 2.0
    max_delay: float = 16.0
    children: list[Child] = field(default_factory=list)

    def add(self, child: Child) -> Process:
        """Start ``child`` and wait until it serves; from now on it is watched, and stopped with the others."""
        self.children.append(child)
        child.process = child.start()
        child.ready(child.process)
        return child.process

    def watch(self) -> None:
        """Restart every child that has died since the last call."""
        for child in self.children:
            while (dead := child.process) is not None and dead.poll() is not None:
                now = time.monotonic()
                child.deaths = [*(death for death in child.deaths if death >= now - self.window), now]
                if len(child.deaths) >= self.max_deaths:
                    raise CrashLoop(
                        f"the {child.name} died {len(child.deaths)} times within {self.window:.0f} s "
                        f"(last: {exit_reason(dead)}); stopping everything."
                    )
                delay = min(self.first_delay * 2 ** (len(child.deaths) - 1), self.max_delay)
                self.say(f"the {child.name} exited with {exit_reason(dead)}; restarting it in {delay:g} s")
                time.sleep(delay)
                child.process = child.start()
                try:
                    child.ready(child.process)
                    self.say(f"the {child.name} is running again")
                except Exception as exc:  # not serving, whatever the reason: the loop counts another death
                    self.say(f"the {child.name} did not come back: {exc}")
                    stop(child.process)

    def stop(self) -> None:
        """Stop every child, newest first; safe to call more than once."""
        while self.children:
            stop(self.children.pop().process)
