"""No e-mail address, phone number or message token in the logs: request lines and job lines."""

import contextlib
import logging
import subprocess
import sys
import threading
import urllib.request
from urllib.error import HTTPError
from urllib.parse import quote

import pytest
from rq import SimpleWorker
from werkzeug.serving import make_server

from pcrm import ROOT
from pcrm.auth.models import Role
from pcrm.embedded import free_port, stop_process
from pcrm.extensions import queues
from pcrm.logs import mask
from pcrm.queue import URGENT
from tests.campaigns.factories import create_campaign, create_segment
from tests.factories import create_department, create_project, create_user
from tests.messaging.conftest import relay as relay  # the SMTP relay fixture, shared
from tests.waiting import wait_until

EMAIL, PHONE, NAME = "hong.gildong@example.kr", "010-1234-5678", "홍길동"
SEARCHES = (
    f"/subscribers/?q={EMAIL}",
    f"/subscribers/?q={PHONE}&page=1",
    f"/subscribers/?q={quote(NAME)}",
)


def _public_links(token: str) -> list[str]:
    return [
        f"/s/{token}",
        f"/o/{token}.gif",
        f"/c/{token}/1",
        f"/u/{token}",
        f"/p/{token}",
        f"/r/{token}",
    ]


def _secrets(token: str) -> tuple[str, ...]:
    return (EMAIL, "hong.gildong%40example.kr", PHONE, "010-1234", NAME, "%ED%99%8D", token)


def test_every_route_with_a_token_or_slug_is_masked(app):
    checked = 0
    for rule in app.url_map.iter_rules():
        secret = {"token", "slug", "code"} & rule.arguments
        if not secret:
            continue
        url = rule.build(dict.fromkeys(rule.arguments, 1) | dict.fromkeys(secret, "Secr3tTok"))[1]
        assert "Secr3tTok" not in mask(f'"GET {url}?a=b HTTP/1.1" 200'), rule.endpoint
        checked += 1
    assert checked >= 8


def test_query_values_are_masked_and_their_names_kept():
    line = mask(f"GET /subscribers/?q={EMAIL}&page=2&status= HTTP/1.1")
    assert line == "GET /subscribers/?q=***&page=***&status= HTTP/1.1"


def _get(url) -> None:
    with contextlib.suppress(HTTPError):  # a 404 or a redirect to sign in is logged all the same
        urllib.request.urlopen(url, timeout=10).close()  # noqa: S310  (loopback)


@pytest.fixture
def served(app):
    """The app on a real werkzeug server on loopback, as `pcrm up` runs it."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_werkzeug_request_log_shows_no_search_or_token(served, caplog):
    token = "kQ7uXzS0cr3tT0kenAbc"
    with caplog.at_level(logging.INFO):
        for path in (*SEARCHES, *_public_links(token)):
            _get(served + path)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len(lines) >= len(SEARCHES) + 5  # and the sign-in pages redirected to
    assert any("/s/***" in line for line in lines) and any("q=***" in line for line in lines)
    for secret in _secrets(token):
        assert not any(secret in line for line in lines), secret


def test_the_gunicorn_access_log_shows_no_search_or_token(pcrm_env, tmp_path):
    log = tmp_path / "access.log"
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
        "--access-logfile", str(log), "--logger-class", "pcrm.gunicorn_logger.AccessLogger",
        "wsgi:app",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=pcrm_env, cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: _up(f"http://127.0.0.1:{port}/healthz"))
        token = "kQ7uXzS0cr3tT0kenAbc"
        for path in (*SEARCHES, *_public_links(token)):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
            request.add_header("Referer", f"http://127.0.0.1:{port}/s/{token}?q={EMAIL}")
            _get(request)
    finally:
        stop_process(process, 20)
    text = log.read_text()
    assert text.count("\n") >= len(SEARCHES) + 5 and "/o/***.gif" in text
    for secret in _secrets(token):
        assert secret not in text, secret


def _up(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()  # noqa: S310  (loopback)
    except OSError:
        return False
    return True


def test_a_test_send_job_and_its_worker_log_show_no_address(
    app, client, auth, csrf_token, relay, caplog
):
    project = create_project(create_department())
    create_user(EMAIL, Role.PR)  # test e-mails go only to staff addresses
    campaign = create_campaign(project, segment=create_segment())
    auth.login(EMAIL)
    token = csrf_token(f"/campaigns/{campaign.id}")
    client.post(f"/campaigns/{campaign.id}/test", data={"csrf_token": token, "address": EMAIL})
    queue = queues.get(URGENT)
    (job,) = queue.get_jobs()
    assert EMAIL not in job.description and "send_test_email" in job.description
    with caplog.at_level(logging.DEBUG):
        SimpleWorker([queue], connection=queues.redis).work(burst=True)
    assert relay.received and relay.received[0][1] == EMAIL  # the job itself still has it
    logged = [r.getMessage() for r in caplog.records if r.name.startswith(("pcrm", "rq"))]
    assert logged and not any(EMAIL in line for line in logged)
