"""Registry jobs: the e-mails residents are owed, and the access log's retention."""

from rq import get_current_job

from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.subscribers import notices
from pcrm.subscribers.access_log import purge_expired_access_log
from pcrm.subscribers.imports.service import purge_old_import_files
from pcrm.subscribers.models import SubscriberNotice


def send_notice(notice_id: int) -> None:
    """Send one owed e-mail once; an erased subscriber or a settled notice is left alone.

    A notice that can never go ends failed with its reason; a relay that is down is retried by
    RQ (notices.RETRY), and the last try records the failure instead of raising.
    """
    notice = db.session.get(SubscriberNotice, notice_id)
    if notice is None or notice.sent_at is not None or notice.failed_at is not None:
        return
    subscriber = notice.subscriber
    if subscriber.erased_at is not None or not notices.notice_address(notice):
        notice.sent_at = utcnow()  # nothing to send to; settled so it is not retried
        db.session.commit()
        return
    try:
        notices.deliver(notice)
    except notices.NoticeUndeliverable as error:
        return _failed(notice, str(error))
    except notices.RelayUnavailable as error:
        if _retries_left():
            raise
        return _failed(notice, str(error))
    notice.sent_at = utcnow()
    db.session.commit()


def _retries_left() -> bool:
    job = get_current_job()
    return bool(job and job.retries_left)


def _failed(notice: SubscriberNotice, reason: str) -> None:
    notice.failed_at, notice.failure = utcnow(), reason[:2000]
    db.session.commit()


def purge_expired_records() -> None:
    """Daily: drop access-log entries past two years and uploaded files past their keep."""
    purge_expired_access_log()
    purge_old_import_files()
