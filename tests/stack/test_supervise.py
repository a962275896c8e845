"""Supervision of the stack's parts: restart with growing delays, a crash loop stops, stop ends everything."""

import os
import signal
import sys
import time

import pytest

from devtools.local import supervise
from devtools.local.supervise import Child, CrashLoop, Supervisor, spawn


def python_child(name: str, code: str) -> Child:
    return Child(name, lambda: spawn([sys.executable, "-c", code]), ready=lambda process: None)


def test_a_killed_child_is_restarted_and_stop_ends_it() -> None:
    said: list[str] = []
    supervisor = Supervisor(said.append, first_delay=0.01)
    first = supervisor.add(python_child("sleeper", "import time; time.sleep(60)"))
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    supervisor.watch()
    second = supervisor.children[0].process
    assert second is not None and second.pid != first.pid and second.poll() is None
    assert said == ["the sleeper exited with signal SIGKILL; restarting it in 0.01 s", "the sleeper is running again"]
    supervisor.stop()
    assert second.poll() is not None and supervisor.children == []


def test_a_child_that_keeps_dying_is_a_crash_loop_after_restarts_with_growing_delays() -> None:
    said: list[str] = []
    supervisor = Supervisor(said.append, max_deaths=4, window=60, first_delay=0.01, max_delay=0.02)
    supervisor.add(python_child("engine", "import sys; sys.exit(3)"))
    deadline = time.monotonic() + 30
    with pytest.raises(CrashLoop, match=r"^the engine died 4 times within 60 s \(last: status 3\); stopping"):
        while time.monotonic() < deadline:
            supervisor.watch()
            time.sleep(0.01)
    delays = [line.rsplit(" in ", 1)[1] for line in said if "restarting" in line]
    assert delays == ["0.01 s", "0.02 s", "0.02 s"]
    supervisor.stop()


def test_a_child_that_does_not_come_back_is_stopped_and_counts_as_another_death() -> None:
    said: list[str] = []
    started: list[supervise.Process] = []

    def start() -> supervise.Process:
        started.append(spawn([sys.executable, "-c", "import time; time.sleep(60)"]))
        return started[-1]

    def ready(process: supervise.Process) -> None:
        if len(started) > 1:
            raise supervise.StartError("no answer")

    supervisor = Supervisor(said.append, max_deaths=2, first_delay=0.01)
    supervisor.add(Child("engine", start, ready))
    os.kill(started[0].pid, signal.SIGKILL)
    started[0].wait()
    with pytest.raises(CrashLoop, match="the engine died 2 times"):
        supervisor.watch()
    assert "the engine did not come back: no answer" in said
    assert len(started) == 2 and started[1].poll() is not None, "the one that did not come back is stopped"
    supervisor.stop()
