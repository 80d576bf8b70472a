"""`pcrm up`: the whole service from one command, and nothing left behind when it stops."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import urllib.request
from urllib.error import URLError

import pytest

from pcrm.demo.load import DEMO_DOMAIN
from pcrm.embedded import free_port
from pcrm.launcher import display_width
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


def _session(sid: int) -> list[str]:
    """The processes of `pcrm up`'s session: the launcher and the children it owns (each child
    in its own process group, so that Ctrl+C reaches only the launcher)."""
    found = subprocess.run(["pgrep", "-s", str(sid)], capture_output=True, text=True)
    return found.stdout.split()


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
        for pid in _session(process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        process.wait()
        process.stdout.close()


def _wait_for_live_worker(process: subprocess.Popen, url: str) -> dict:
    def healthy():
        assert process.poll() is None, process.stdout.read()
        status, body = _get(f"{url}/healthz")
        return json.loads(body) if status == 200 and '"count":1' in body else None

    return wait_until(healthy, timeout=90, interval=0.1)


def test_up_serves_health_and_sign_in_and_ctrl_c_stops_everything_quietly(launch):
    process, url = launch("--demo", "--subscribers", "20")
    health = _wait_for_live_worker(process, url)
    assert health["status"] == "ok" and health["database"]["ok"] and health["redis"]["ok"]
    status, page = _get(f"{url}/login")
    assert status == 200 and "직원 로그인" in page

    os.killpg(process.pid, signal.SIGINT)  # what Ctrl+C in a terminal does: the foreground group
    assert process.wait(30) == 0
    wait_until(lambda: not _session(process.pid), timeout=30)
    output = process.stdout.read()
    assert f"PCRM is running at {url}/" in output
    assert "admin@demo.pcrm.kr" in output and "PCRM stopped." in output
    # The worker stopped before its Redis, and an idle console says nothing: no tracebacks, no
    # scheduler ticks, no request lines between the banner and the goodbye.
    lines = output.splitlines()
    rows = [n for n, line in enumerate(lines) if line.endswith(f"@{DEMO_DOMAIN}")]
    after_banner = lines[rows[-1] + 1 :]
    assert [line for line in after_banner if line.strip()] == ["Stopping PCRM ...", "PCRM stopped."]
    # The sign-in table's e-mail column lines up although Korean role names are double width.
    rows = [lines[n] for n in rows]
    assert len(rows) > 3 and any("공보담당관" in row for row in rows)
    assert len({display_width(row[: row.rindex(" ")]) for row in rows}) == 1


def test_the_launcher_stops_its_children_when_only_it_gets_sigterm(launch):
    process, url = launch()
    _wait_for_live_worker(process, url)
    assert len(_session(process.pid)) >= 3  # the launcher, redis-server, the worker

    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    wait_until(lambda: not _session(process.pid), timeout=30)
