"""Jobs run twice change nothing; the retention job forgets what is past its time."""

from datetime import timedelta

import pytest

from pcrm.db import utcnow
from pcrm.embedded import free_port
from pcrm.extensions import db, queues
from pcrm.queue import URGENT
from pcrm.schedule import PERIODIC_JOBS
from pcrm.subscribers.access_log import record_access
from pcrm.subscribers.imports import service
from pcrm.subscribers.imports.jobs import run_import
from pcrm.subscribers.imports.models import ImportBatch, ImportRow, ImportStatus
from pcrm.subscribers.jobs import purge_expired_records, send_notice
from pcrm.subscribers.models import AccessAction, AccessLog, ConsentEvent, NoticeKind, Subscriber
from pcrm.subscribers.notices import enqueue_notice, owe_notice
from pcrm.worker import run_worker
from tests.conftest import CaughtMail
from tests.factories import create_user
from tests.subscribers.factories import create_subscriber

pytestmark = pytest.mark.usefixtures("app")


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (Subscriber, ConsentEvent, ImportRow)
    )


def test_the_import_job_run_twice_changes_nothing():
    content = "이름,이메일,휴대전화,관심분야\n김,k@example.com,010-1111-2222,여론조사\n".encode()
    batch = service.upload_import(filename="a.csv", content=content, user=None)
    service.start_import(
        batch, mapping=batch.mapping, source="서면", grant_channels=True, enqueue=False
    )
    run_import(batch.id)
    after_first = _counts()
    assert after_first == (1, 3, 1)
    run_import(batch.id)
    assert _counts() == after_first
    assert db.session.get(ImportBatch, batch.id).status is ImportStatus.DONE


def test_an_unconfirmed_batch_is_not_imported():
    content = "이름,이메일\n김,k@example.com\n".encode()
    batch = service.upload_import(filename="a.csv", content=content, user=None)
    run_import(batch.id)
    assert _counts() == (0, 0, 0) and batch.status is ImportStatus.UPLOADED


def test_a_notice_is_sent_once(smtp_server):
    subscriber = create_subscriber()
    notice = owe_notice(subscriber, NoticeKind.PREFERENCES_LINK)
    db.session.commit()
    send_notice(notice.id)
    send_notice(notice.id)
    assert len(smtp_server) == 1
    assert notice.sent_at is not None


def test_the_retention_job_drops_old_access_log_and_old_import_files():
    old = record_access(user=None, action=AccessAction.EXPORT, what="old")
    old.created_at = utcnow() - timedelta(days=731)
    record_access(user=None, action=AccessAction.EXPORT, what="recent")
    finished = ImportBatch(
        filename="a.csv", content=b"x", status=ImportStatus.DONE,
        finished_at=utcnow() - timedelta(days=31),
    )  # fmt: skip
    abandoned = ImportBatch(filename="b.csv", content=b"y", created_at=utcnow() - timedelta(days=2))
    db.session.add_all([finished, abandoned])
    db.session.commit()
    purge_expired_records()
    purge_expired_records()
    assert [e.what for e in db.session.scalars(db.select(AccessLog))] == ["recent"]
    db.session.expire_all()
    assert finished.content is None
    assert db.session.scalars(db.select(ImportBatch)).all() == [finished]


def test_the_retention_job_is_scheduled_daily():
    (job,) = [j for j in PERIODIC_JOBS if j.func is purge_expired_records]
    assert job.interval == 24 * 3600


def _notice_for(email: str):
    notice = owe_notice(create_subscriber(email=email, phone=None), NoticeKind.CONFIRM_EMAIL, "v")
    db.session.commit()
    return notice


def _work(app) -> None:
    """A real RQ worker drains the urgent queue, as in production."""
    run_worker(app, (URGENT,), with_scheduler=False, burst=True)


def _stuck_jobs() -> int:
    queue = queues.get(URGENT)
    registries = (queue.failed_job_registry, queue.scheduled_job_registry)
    return len(queue) + sum(len(registry) for registry in registries)


def test_a_notice_to_an_address_smtp_cannot_carry_ends_failed_once(app, smtp_server):
    notice = _notice_for("홍길동@example.kr")  # stored before addresses were checked
    enqueue_notice(notice)
    _work(app)
    db.session.expire_all()
    assert notice.failed_at is not None and notice.sent_at is None
    assert "메일을 만들 수 없습니다" in notice.failure
    assert list(smtp_server) == [] and _stuck_jobs() == 0  # no retry loop
    failed_at = notice.failed_at
    send_notice(notice.id)
    db.session.expire_all()
    assert notice.failed_at == failed_at and list(smtp_server) == []


def test_staff_see_why_a_notice_could_not_go(app, client, auth, smtp_server):
    notice = _notice_for("홍길동@example.kr")
    send_notice(notice.id)
    create_user("pr@example.kr")
    auth.login("pr@example.kr")
    page = client.get(f"/subscribers/{notice.subscriber_id}").get_data(as_text=True)
    assert "보내지 못한 안내 메일" in page and "메일을 만들 수 없습니다" in page


class RefusingRecipients(CaughtMail):
    async def handle_RCPT(self, server, session, envelope, address, options):
        return "550 5.1.1 no such user"


def test_a_notice_the_relay_refuses_for_good_ends_failed_with_its_reason(app, monkeypatch):
    from aiosmtpd.controller import Controller

    controller = Controller(RefusingRecipients(), hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    try:
        notice = _notice_for("gone@example.kr")
        enqueue_notice(notice)
        _work(app)
    finally:
        controller.stop()
    db.session.expire_all()
    assert (
        notice.failed_at is not None
        and "550" in notice.failure
        and "no such user" in notice.failure
    )
    assert _stuck_jobs() == 0


def test_a_relay_that_is_down_is_retried_a_few_times_then_recorded(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens there
    notice = _notice_for("minseo@example.com")
    enqueue_notice(notice)
    _work(app)
    db.session.expire_all()
    assert notice.failed_at is None and notice.sent_at is None
    assert len(queues.get(URGENT).scheduled_job_registry) == 1  # RQ tries again later
    send_notice(notice.id)  # the last try, as RQ runs it when no retries are left
    db.session.expire_all()
    assert notice.failed_at is not None and "Connection" in notice.failure
