"""Which of our messages a report is about.

Strongest evidence first: the VERP token of the return path the report came back to; then our
tokens in the returned original's headers (its Return-Path, its List-Unsubscribe); then the
original's Message-ID, which names the message row; and only then the failed recipient's
address (our most recent e-mail to it), since an address alone may have had many messages.
"""

import re
from collections.abc import Callable, Iterator

from pcrm.bounces.report import Failure, Report
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.messaging.service import message_for_token
from pcrm.subscribers.models import Channel

# pcrm.messaging.mail.MailBuilder.message_id: <m{message id}.{list id}@{domain}>
OUR_MESSAGE_ID = re.compile(r"^<m(\d{1,9})\.[^@<>\s]+@[^@<>\s]+>$")


def match(report: Report, failure: Failure) -> Message | None:
    """The message `failure` in `report` is about, or None when nothing of ours matches."""
    for find in _evidence(report):
        message = find()
        if message is not None and _about(message, report, failure):
            return message
    return by_recipient(failure.recipient)


def _evidence(report: Report) -> Iterator[Callable[[], Message | None]]:
    if report.message_token:
        yield lambda: message_for_token(report.message_token)
    for token in report.returned_tokens:
        yield lambda token=token: message_for_token(token)
    for message_id in report.message_ids:
        yield lambda message_id=message_id: by_message_id(message_id)


def _about(message: Message, report: Report, failure: Failure) -> bool:
    """A report on one recipient is about the message its token names, even when the address
    was forwarded elsewhere; one on several recipients names each by address."""
    if message.channel != Channel.EMAIL:
        return False
    if len(report.failures) <= 1 or failure.recipient is None or message.address is None:
        return True
    return message.address.lower() == failure.recipient.lower()


def by_message_id(message_id: str) -> Message | None:
    """Our message with this Message-ID (the row id is in it; the stored one must agree)."""
    found = OUR_MESSAGE_ID.match(message_id.strip())
    if found is None:
        return None
    message = db.session.get(Message, int(found.group(1)))
    if message is None or message.provider_id != message_id.strip():
        return None
    return message


def by_recipient(address: str | None) -> Message | None:
    """Our most recent e-mail sent to `address`."""
    if not address or "@" not in address:
        return None
    return db.session.scalar(
        db.select(Message)
        .where(
            Message.channel == Channel.EMAIL,
            Message.address.in_({address, address.lower()}),
            Message.sent_at.is_not(None),
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(1)
    )
