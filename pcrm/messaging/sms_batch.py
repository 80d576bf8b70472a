"""What a batch of SMS is and what became of it, the same for every SMS provider."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)  # not frozen: one per text of a wave, and frozen triples its making
class OutgoingSms:
    ref: str  # the caller's key for this message (a message row id): results come back by it
    to: str  # E.164
    text: str
    subject: str | None = None
    advert: bool = False  # promotional: providers label it and check their opt-out list
    kind: str | None = None  # "sms" or "lms" when the channel measured it already


@dataclass
class BatchReport:
    """Each message of a batch ends in exactly one of these, by its ref."""

    accepted: dict[str, str] = field(default_factory=dict)  # ref -> the provider's request id
    refused: dict[str, str] = field(default_factory=dict)  # for good: do not send again
    deferred: dict[str, str] = field(default_factory=dict)  # not sent: send again later
    uncertain: dict[str, str] = field(default_factory=dict)  # may have gone: look it up first
    outage: bool = False  # the provider accepted nothing it was offered; try later
    retry_after: float | None = None  # seconds the provider asked us to wait

    def defer(self, refs, reason: str) -> None:
        """Mark these messages as not sent, for a later attempt."""
        self.deferred.update(dict.fromkeys(refs, reason))


@dataclass(frozen=True)
class Delivery:
    """The provider's delivery result for one message."""

    message_id: str
    request_id: str
    to: str  # E.164
    state: str  # "delivered", "failed" or "pending"
    reason: str | None = None  # the provider's reason, in Korean words
    permanent: bool = False  # the number cannot receive at all: mark the phone invalid
    completed_at: datetime | None = None


@dataclass(frozen=True)
class OptOut:
    """A number on the provider's 080 opt-out list."""

    phone: str  # E.164
    registered_at: datetime | None
    via: str  # "call" (the 080 line) or "manual"
