"""Registry jobs: the e-mails residents are owed, and the access log's retention."""

from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.subscribers import notices
from pcrm.subscribers.access_log import purge_expired_access_log
from pcrm.subscribers.imports.service import purge_old_import_files
from pcrm.subscribers.models import SubscriberNotice


def send_notice(notice_id: int) -> None:
    """Send one owed e-mail once; an erased subscriber or a sent notice is left alone."""
    notice = db.session.get(SubscriberNotice, notice_id)
    if notice is None or notice.sent_at is not None:
        return
    subscriber = notice.subscriber
    if subscriber.erased_at is not None or not subscriber.email:
        notice.sent_at = utcnow()  # nothing to send to; settled so it is not retried
        db.session.commit()
        return
    notices.send(notices.build_mail(notice))
    notice.sent_at = utcnow()
    db.session.commit()


def purge_expired_records() -> None:
    """Daily: drop access-log entries past two years and uploaded files past their keep."""
    purge_expired_access_log()
    purge_old_import_files()
