"""`pcrm up`: the whole service from one command, and nothing left behind when it stops."""

import json
import os
import signal
import subprocess
import sys
import urllib.request
from urllib.error import URLError

import pytest

from pcrm.embedded import free_port
from tests.waiting import wait_until

pytestmark = pytest.mark.slow
# `pcrm up` must find none of the services a developer's shell may point at.
OUTSIDE_SETTINGS = ("REDIS_URL", "DATABASE_URL", "MAIL_SERVER", "MAIL_PORT", "PCRM_ENV")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except URLError:
        return 0, ""


def _group_is_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def launch(tmp_path):
    """Start `pcrm up` in its own process group with its own instance folder and port."""
    started = []

    def start(*args: str) -> tuple[subprocess.Popen, str]:
        port = free_port()
        environment = {k: v for k, v in os.environ.items() if k not in OUTSIDE_SETTINGS}
        environment["PCRM_INSTANCE_PATH"] = str(tmp_path / "instance")
        process = subprocess.Popen(
            [sys.executable, "-m", "pcrm", "up", "--port", str(port), *args],
            env=environment,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        started.append(process)
        return process, f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        if not _group_is_gone(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()


def _wait_for_live_worker(process: subprocess.Popen, url: str) -> dict:
    def healthy():
        assert process.poll() is None, process.stdout.read()
        status, body = _get(f"{url}/healthz")
        return json.loads(body) if status == 200 and '"count":1' in body else None

    return wait_until(healthy, timeout=90, interval=0.1)


def test_up_serves_health_and_sign_in_and_a_group_sigterm_stops_everything(launch):
    process, url = launch("--demo", "--subscribers", "20")
    health = _wait_for_live_worker(process, url)
    assert health["status"] == "ok" and health["database"]["ok"] and health["redis"]["ok"]
    status, page = _get(f"{url}/login")
    assert status == 200 and "직원 로그인" in page

    os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(30) == 0
    wait_until(lambda: _group_is_gone(process.pid), timeout=30)
    output = process.stdout.read()
    assert f"PCRM is running at {url}/" in output
    assert "admin@demo.pcrm.kr" in output and "PCRM stopped." in output


def test_the_launcher_stops_its_children_when_only_it_gets_sigterm(launch):
    process, url = launch()
    _wait_for_live_worker(process, url)
    children = subprocess.run(
        ["pgrep", "-g", str(process.pid)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(children) >= 3  # the launcher, redis-server, the worker (and its scheduler)

    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    wait_until(lambda: _group_is_gone(process.pid), timeout=30)
