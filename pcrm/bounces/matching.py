"""Which of our messages a report is about.

Strongest evidence first: the VERP token of the return path the report came back to; then our
tokens in the returned original's headers (its Return-Path, its List-Unsubscribe); then the
original's Message-ID, which names the message row; and only then the failed recipient's
address (our most recent e-mail to it), since an address alone may have had many messages.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import joinedload

from pcrm.bounces.report import Failure, Report
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.messaging.service import message_for_token
from pcrm.subscribers.models import Channel

# pcrm.messaging.mail.MailBuilder.message_id: <m{message id}.{list id}@{domain}>
OUR_MESSAGE_ID = re.compile(r"^<m(\d{1,9})\.[^@<>\s]+@[^@<>\s]+>$")


@dataclass(frozen=True)
class Known:
    """Every message of ours a batch of reports can name, loaded in three queries (with their
    subscribers, which the policy reads) instead of up to three per report."""

    by_token: dict[str, Message]
    by_id: dict[int, Message]
    by_address: dict[str, Message]  # lower-cased address: our latest e-mail sent to it

    def message_id(self, message_id: str) -> Message | None:
        found = OUR_MESSAGE_ID.match(message_id.strip())
        message = self.by_id.get(int(found.group(1))) if found else None
        return message if message and message.provider_id == message_id.strip() else None


def match(report: Report, failure: Failure, *, known: Known | None = None) -> Message | None:
    """The message `failure` in `report` is about, or None when nothing of ours matches
    (looked up in `known` when given, else in the database)."""
    for find in _evidence(report, known):
        message = find()
        if message is not None and _about(message, report, failure):
            return message
    if known is None:
        return by_recipient(failure.recipient)
    return known.by_address.get((failure.recipient or "").lower())


def known_for(reports: Iterable[Report]) -> Known:
    """The messages these reports can name (see Known)."""
    reports = list(reports)
    tokens = {t for r in reports for t in (r.message_token, *r.returned_tokens) if t}
    ids = {
        int(m.group(1)) for r in reports for i in r.message_ids if (m := OUR_MESSAGE_ID.match(i))
    }
    recipients = {f.recipient for r in reports for f in r.failures if f.recipient}
    return Known(
        by_token=messages_by_token(tokens),
        by_id={m.id: m for m in _rows(_with_subscriber().where(Message.id.in_(ids)), ids)},
        by_address=latest_sent_to(recipients),
    )


def messages_by_token(tokens: set[str]) -> dict[str, Message]:
    """Our messages these tokens name, in one query (`message_for_token` for many)."""
    return {m.token: m for m in _rows(_with_subscriber().where(Message.token.in_(tokens)), tokens)}


def latest_sent_to(addresses: set[str]) -> dict[str, Message]:
    """Our latest e-mail sent to each address, by lower-cased address, in one query
    (`by_recipient` for many)."""
    variants = addresses | {a.lower() for a in addresses}
    latest = (
        _with_subscriber()
        .where(
            Message.channel == Channel.EMAIL,
            Message.address.in_(variants),
            Message.sent_at.is_not(None),
        )
        .order_by(Message.sent_at, Message.id)
    )
    return {m.address.lower(): m for m in _rows(latest, variants)}  # the latest wins


def _with_subscriber():
    return db.select(Message).options(joinedload(Message.subscriber))


def _rows(query, keys: set) -> list[Message]:
    return list(db.session.scalars(query).unique()) if keys else []


def _evidence(report: Report, known: Known | None) -> Iterator[Callable[[], Message | None]]:
    by_token = known.by_token.get if known else message_for_token
    by_id = known.message_id if known else by_message_id
    if report.message_token:
        yield lambda: by_token(report.message_token)
    for token in report.returned_tokens:
        yield lambda token=token: by_token(token)
    for message_id in report.message_ids:
        yield lambda message_id=message_id: by_id(message_id)


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
