"""SMS providers behind one interface; the outbox provider keeps messages for the local UI.

SmsChannel puts a provider behind the channel interface (pcrm.messaging.channels): a session
sends a whole batch in one provider call, as Korean providers take many messages a request.
"""

import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app

from pcrm.db import utcnow
from pcrm.messaging.channels import (
    Accepted,
    Channel,
    Content,
    DeliveryResult,
    Outcome,
    Outgoing,
    Refusal,
    Session,
    Unsendable,
)

SMS_MAX_BYTES = 90  # one SMS, counted in EUC-KR as Korean providers count
LMS_MAX_BYTES = 2000
LMS_SUBJECT_MAX_BYTES = 40


def byte_length(text: str) -> int:
    """Length as Korean providers count it (cp949: its euc_kr codec miscounts rare syllables)."""
    return len(text.encode("cp949"))


@dataclass(frozen=True)
class SmsResult:
    provider_id: str
    kind: str  # "sms" or "lms"


class PermanentSmsError(Unsendable):
    """The provider refused for good (invalid number, text it cannot encode): do not retry."""


@dataclass(frozen=True)
class SmsText(Outgoing):
    """One SMS or LMS built for a number, its type known from its size."""

    to: str  # E.164
    text: str
    subject: str | None
    kind: str  # "sms" or "lms"


class SmsProvider(ABC):
    @abstractmethod
    def send(self, *, to: str, text: str, subject: str | None = None) -> SmsResult:
        """Send one message to an E.164 number."""

    def send_many(self, messages: Sequence[SmsText]) -> list[Outcome]:
        """Send a batch, one outcome each in order; a provider with a batch API makes one
        request. A refusal of the provider as a whole raises ChannelDown."""
        return [self._one(message) for message in messages]

    def results(self, provider_ids: Sequence[str]) -> list[DeliveryResult]:
        """Delivery results the provider knows for these messages."""
        return []

    def _one(self, message: SmsText) -> Outcome:
        try:
            result = self.send(to=message.to, text=message.text, subject=message.subject)
        except PermanentSmsError as error:
            return Refusal(code="refused", reason=str(error), permanent=True)
        return Accepted(result.provider_id)


def message_kind(text: str, subject: str | None) -> str:
    """The message type by size, "sms" or "lms"; PermanentSmsError if providers cannot carry it."""
    try:
        size = byte_length(text)
        subject_size = byte_length(subject or "")
    except UnicodeEncodeError as error:
        bad = error.object[error.start]
        raise PermanentSmsError(f"문자로 보낼 수 없는 글자가 있습니다: {bad!r}") from None
    if size > LMS_MAX_BYTES or subject_size > LMS_SUBJECT_MAX_BYTES:
        raise PermanentSmsError("문자 길이가 LMS 한도(2,000바이트, 제목 40바이트)를 넘습니다.")
    return "sms" if size <= SMS_MAX_BYTES and not subject else "lms"


class OutboxProvider(SmsProvider):
    """Keeps each message as a JSON file in the instance folder (local mode only)."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, *, to: str, text: str, subject: str | None = None) -> SmsResult:
        result = SmsResult(
            provider_id=f"outbox-{uuid.uuid4().hex}", kind=message_kind(text, subject)
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        sent_at = utcnow()
        record = {"to": to, "text": text, "subject": subject, "sent_at": sent_at.isoformat()}
        record |= asdict(result)
        name = f"{sent_at:%Y%m%dT%H%M%S%f}-{result.provider_id}.json"
        (self.directory / name).write_text(json.dumps(record, ensure_ascii=False))
        return result

    def results(self, provider_ids: Sequence[str]) -> list[DeliveryResult]:
        """The outbox is the end of the line: a message it kept is delivered."""
        kept = {path.stem.partition("-")[2] for path in self.directory.glob("*.json")}
        return [DeliveryResult(pid, delivered=True) for pid in provider_ids if pid in kept]


class SmsSession(Session):
    """One provider client; a batch goes in one provider call."""

    def __init__(self, sms_provider: SmsProvider):
        self.provider = sms_provider

    def send(self, message: SmsText) -> Outcome:
        return self.provider.send_many([message])[0]

    def send_many(self, messages: Sequence[SmsText]) -> list[Outcome]:
        return self.provider.send_many(messages)


class SmsChannel(Channel):
    """SMS as a channel: text measured and typed when built, sent a batch per provider call."""

    name = "sms"

    def __init__(self, sms_provider: SmsProvider | None = None):
        self.provider = sms_provider or provider()

    def build(
        self,
        *,
        message_id: int | str,
        token: str,
        to: str,
        name: str | None,
        content: Content,
        unsubscribe_url: str,
    ) -> SmsText:
        """The text as rendered (it carries its own opt-out); PermanentSmsError if no provider
        can carry it."""
        kind = message_kind(content.text, content.subject)
        subject = content.subject if kind == "lms" else None
        return SmsText(to=to, text=content.text, subject=subject, kind=kind)

    @contextmanager
    def session(self) -> Iterator[SmsSession]:
        yield SmsSession(self.provider)

    def delivery_results(self, provider_ids: Sequence[str]) -> list[DeliveryResult]:
        return self.provider.results(provider_ids)


def provider() -> SmsProvider:
    """The configured provider."""
    name = current_app.config["SMS_PROVIDER"]
    if name == "outbox":
        return OutboxProvider(Path(current_app.instance_path) / "outbox" / "sms")
    raise RuntimeError(f"SMS_PROVIDER {name!r} is not available")
