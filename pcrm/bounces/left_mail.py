"""Returned mail left for a person: replies, auto-replies and bounces naming nothing of ours,
listed for PR staff to read and mark as reviewed."""

import email
import email.policy
import hashlib
import json
from email.header import decode_header, make_header
from html.parser import HTMLParser

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from pcrm.auth.models import User
from pcrm.bounces.models import InboundMail, InboundState
from pcrm.bounces.report import BounceKind
from pcrm.db import utcnow
from pcrm.errors import Conflict, NotFound
from pcrm.extensions import db

LEFT = (InboundState.NOT_BOUNCE, InboundState.UNMATCHED)
MAX_TEXT = 20_000  # characters of a message's text shown; the rest is in the mailbox


def leave_unread(*, header: bytes, source: str, why: str) -> None:
    """List a mailbox message that was not ingested (too big, unreadable) for a person, by its
    header; commits. Once per message: a poll that runs again after a crash adds nothing."""
    key = hashlib.sha256(b"unread\0" + header).hexdigest()
    if db.session.scalar(db.select(InboundMail.id).where(InboundMail.digest == key)):
        return
    # Raw 8-bit headers are most often UTF-8; encoded words are decoded when shown.
    message = email.message_from_string(header.decode("utf-8", "replace"))
    db.session.add(
        InboundMail(
            digest=key,
            source=source[:200],
            kind=BounceKind.NONE,
            state=InboundState.NOT_BOUNCE,
            why=why[:300],
            subject=str(message.get("Subject", ""))[:300],
            sender=str(message.get("From", ""))[:254],
            raw=header,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # listed by another poller at the same instant
        db.session.rollback()


def left_for_a_person(*, reviewed: bool, size: int, offset: int) -> tuple[list[InboundMail], int]:
    """Mail waiting for a person (or, with `reviewed`, already read), newest first; and a count."""
    states = (InboundState.REVIEWED,) if reviewed else LEFT
    query = db.select(InboundMail).where(InboundMail.state.in_(states))
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(InboundMail.received_at.desc(), InboundMail.id.desc())
        .limit(size)
        .offset(offset)
    ).all()
    return list(rows), total or 0


def left_mail(inbound_id: int) -> InboundMail:
    inbound = db.session.get(InboundMail, inbound_id)
    if inbound is None or inbound.state not in (*LEFT, InboundState.REVIEWED):
        raise NotFound("")
    return inbound


def mark_reviewed(*, inbound_id: int, user: User, note: str = "") -> InboundMail:
    """Record that `user` has read the message; commits. Applied bounces are not for review."""
    inbound = left_mail(inbound_id)
    if inbound.state is InboundState.REVIEWED:
        raise Conflict(_("이미 확인한 메일입니다."))
    inbound.state = InboundState.REVIEWED
    inbound.reviewed_at = utcnow()
    inbound.reviewed_by_id = user.id
    inbound.note = note.strip()[:2000]
    db.session.commit()
    return inbound


def decoded(header: str) -> str:
    """A header as stored (it may still hold RFC 2047 encoded words) as a person reads it."""
    try:
        return str(make_header(decode_header(header)))
    except (LookupError, ValueError, UnicodeError):
        return header


def readable_text(inbound: InboundMail) -> str:
    """The message's text as a person reads it: the plain part, or the HTML part's words
    (no markup, no remote content); a provider's event as its JSON. Empty once purged."""
    raw = inbound.raw
    if raw is None:
        return ""
    if raw.lstrip().startswith(b"{"):
        try:
            return json.dumps(json.loads(raw), ensure_ascii=False, indent=2)[:MAX_TEXT]
        except ValueError:
            pass
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        text = part.get_content()
        if part.get_content_subtype() == "html":
            text = _words(text)
    except (LookupError, ValueError, AttributeError, TypeError):
        # An unknown charset or broken MIME: the bytes as text, which still tells a person much.
        text = raw.decode("utf-8", "replace")
    return text[:MAX_TEXT]


class _Words(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self._hidden += 1
        elif tag in ("br", "p", "div", "tr", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def _words(html: str) -> str:
    parser = _Words()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).strip()
