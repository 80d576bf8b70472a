"""Refusals at send time (a 5xx from the relay while the message was being sent) go through
the same policy as returned mail."""

import re

from pcrm.bounces import policy
from pcrm.bounces.report import BounceKind
from pcrm.extensions import db
from pcrm.messaging.models import Message

ENHANCED_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# Not a dead address: a full mailbox (5.2.2 is used for it too) or a message too big for now.
SOFT_CODES = {"5.2.2", "5.2.3"}


def kind_of_refusal(reason: str) -> tuple[BounceKind, str | None]:
    """What a permanent SMTP refusal says about the address, and its RFC 3463 code if given.

    5.7.x is about us (policy, authentication, reputation), not the address: soft, so only a
    repeated refusal suppresses it."""
    match = ENHANCED_CODE.search(reason or "")
    status = match.group(0) if match else None
    if status and (status in SOFT_CODES or status.startswith(("5.7.", "4."))):
        return BounceKind.SOFT, status
    return BounceKind.HARD, status or "5.0.0"


def refused_at_send(*, message_id: int, code: int | None, reason: str) -> str:
    """Apply the policy to a message the relay refused for good; commits."""
    message = db.session.get(Message, message_id)
    if message is None:
        return "unknown message"
    kind, status = kind_of_refusal(reason)
    diagnostic = f"{code} {reason}" if code else reason
    return policy.apply(
        message=message, kind=kind, status=status, source="smtp", diagnostic=diagnostic
    )
