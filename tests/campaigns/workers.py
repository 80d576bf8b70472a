"""Real RQ workers (`pcrm worker`) in subprocesses, on the test database and Redis."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class Workers:
    """Starts workers with the app's settings; kills them like a crash, or stops them."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.processes: list[subprocess.Popen] = []

    def start(self, count: int = 1) -> list[subprocess.Popen]:
        started = []
        for _ in range(count):
            name = f"test-{uuid.uuid4().hex[:8]}"
            command = [sys.executable, "-m", "pcrm", "worker", "--name", name]
            process = subprocess.Popen(
                command, env=self.env, start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            started.append(process)
        self.processes += started
        return started

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and any process it started (it runs in a session of its own)."""
        for pid in [*_children(process.pid), process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process)


def wait_for(condition, timeout: float, interval: float = 0.2, tick=None) -> None:
    """Poll `condition` until true; `tick` runs between polls (e.g. the reconciler)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if tick is not None:
            tick()
        time.sleep(interval)
    raise AssertionError(f"not done within {timeout} s")
