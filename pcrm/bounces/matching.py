"""Which of our messages a report is about.

A first matcher: by the VERP token only. Returned headers, Message-ID and the recipient address,
in that order, are still to come.
"""

from pcrm.bounces.report import Failure, Report
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.messaging.service import message_for_token


def match(report: Report, failure: Failure) -> Message | None:
    """The message `failure` in `report` is about, or None when nothing of ours matches."""
    if report.message_token:
        return message_for_token(report.message_token)
    if report.message_ids:  # the Message-ID we gave it (Message.provider_id)
        return db.session.scalar(
            db.select(Message).where(Message.provider_id.in_(report.message_ids)).limit(1)
        )
    return None
