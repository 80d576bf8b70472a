"""What one returned message says, independent of where it came from (pure data)."""

import enum
from dataclasses import dataclass, field


class BounceKind(enum.StrEnum):
    HARD = "hard"  # the address does not exist or never will accept mail: suppress it
    SOFT = "soft"  # temporary (mailbox full, delay warning, greylisting): scored, fades
    COMPLAINT = "complaint"  # the recipient marked it as spam (ARF, RFC 5965)
    NONE = "none"  # not a bounce: an auto-reply, a person's reply, a read receipt, ...


@dataclass(frozen=True)
class Failure:
    """One recipient a returned message reports on (a DSN may report several)."""

    recipient: str | None  # the address as the report gives it, or None when it names none
    kind: BounceKind
    status: str | None = None  # RFC 3463 code ("5.1.1") when the report gives or implies one
    diagnostic: str = ""  # the remote server's words, for the evidence shown to staff


@dataclass(frozen=True)
class Report:
    """A parsed returned message. `kind` is the message as a whole: NONE for anything that is
    not a bounce or a complaint, and then `failures` is empty and `why` says what it is."""

    kind: BounceKind
    failures: tuple[Failure, ...] = ()
    message_token: str | None = None  # our VERP token (bounces+TOKEN@...), when it came back to one
    message_ids: tuple[str, ...] = ()  # Message-IDs of the returned original, if it is attached
    # Our tokens found in the returned original's headers (its Return-Path, List-Unsubscribe)
    returned_tokens: tuple[str, ...] = ()
    why: str = ""  # in words, for staff: "자동 응답", "배달 지연", "수신 거부 신고", ...
    subject: str = ""
    sender: str = ""
    extra: dict = field(default_factory=dict)
    refused: str = ""  # why the bytes could not be read at all (too large, garbage, truncated)
