"""/healthz: database, Redis, a real worker's heartbeat, queue depths."""

import signal

from pcrm.queue import QUEUE_NAMES
from tests.waiting import wait_until


def test_health_without_a_worker_is_degraded_but_serving(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "degraded"
    assert body["database"] == {"ok": True, "pending_migrations": []}
    assert body["redis"] == {"ok": True}
    assert body["workers"]["count"] == 0
    assert body["queues"] == dict.fromkeys(QUEUE_NAMES, 0)


def test_health_reports_a_live_worker_and_queue_depths(app, client, start_worker):
    from pcrm.extensions import queues

    queues.enqueue(print, "waiting", queue="bulk")
    worker = start_worker("--queues", "urgent", "--name", "health-test")

    def worker_seen():
        body = client.get("/healthz").json
        return body if body["workers"]["count"] == 1 else None

    body = wait_until(worker_seen)
    assert body["status"] == "ok"
    assert body["workers"]["last_heartbeat"]
    assert body["queues"]["bulk"] == 1  # the worker listens to urgent only

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(60) == 0  # a warm stop: generous, for a loaded CI machine
    assert client.get("/healthz").json["workers"]["count"] == 0


def test_health_is_503_when_redis_is_unreachable(make_app):
    client = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "failing"
    assert body["redis"]["ok"] is False and body["redis"]["error"]
    assert body["database"]["ok"] is True


def test_admins_read_the_health_in_words(client, sign_in):
    sign_in(role="admin")
    page = client.get("/admin/health").get_data(as_text=True)
    assert "시스템 상태" in page
    assert "일부 장애: 발송 작업이 멈춤" in page  # no worker in this test
    assert "실행 중인 작업자가 없습니다" in page
    assert "대량 발송 (캠페인)" in page and "degraded" not in page


def test_the_health_page_is_for_admins_only(client, sign_in):
    sign_in(role="pr")
    assert client.get("/admin/health").status_code == 403
