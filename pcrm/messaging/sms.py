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
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from pcrm.db import utcnow
from pcrm.messaging import sens, sms_text
from pcrm.messaging.channels import (
    Accepted,
    Channel,
    ChannelDown,
    Content,
    DeliveryResult,
    Outcome,
    Outgoing,
    Postponed,
    Refusal,
    Session,
    Uncertain,
    Unsendable,
)
from pcrm.messaging.sms_batch import BatchReport, Delivery, OptOut, OutgoingSms


@dataclass(frozen=True)
class SmsResult:
    provider_id: str
    kind: str  # "sms" or "lms"


class PermanentSmsError(Unsendable):
    """The provider refused for good (invalid number, text it cannot encode): do not retry."""


@dataclass(slots=True)  # not frozen: one per text of a wave, and frozen triples its making
class SmsText(Outgoing):
    """One SMS or LMS built for a number, its type known from its size."""

    to: str  # E.164
    text: str
    subject: str | None
    kind: str  # "sms" or "lms"
    advert: bool = False  # sent labelled as advertising (SENS: contentType AD)


class TemporarySmsError(Exception):
    """The provider could not take the message now (outage, throttling): try again later."""


class SmsProvider(ABC):
    @abstractmethod
    def send(self, *, to: str, text: str, subject: str | None = None) -> SmsResult:
        """Send one message to an E.164 number."""

    def send_batch(self, messages: list[OutgoingSms]) -> BatchReport:
        """Send many messages; each ends accepted, refused, deferred or uncertain by its ref."""
        report = BatchReport()
        for message in messages:
            try:
                result = self.send(to=message.to, text=message.text, subject=message.subject)
            except PermanentSmsError as error:
                report.refused[message.ref] = str(error)
            else:
                report.accepted[message.ref] = result.provider_id
        return report

    def results(self, provider_ids: Sequence[str]) -> list[DeliveryResult]:
        """Delivery results the provider knows for these messages, by their provider ids."""
        return []

    def delivery_results(self, request_id: str) -> list[Delivery]:
        """The delivery result of each message of one request; none when it reports none."""
        return []

    def opt_outs(self, since: datetime | None = None) -> list[OptOut]:
        """The provider's 080 opt-out list; empty when it keeps none."""
        return []


def message_kind(text: str, subject: str | None) -> str:
    """The message type by size, "sms" or "lms"; PermanentSmsError if providers cannot carry it
    (sms_text measures, as Korean providers count)."""
    kind = sms_text.message_type(text, subject=subject or "")
    if kind is sms_text.SmsType.REFUSED:  # measured again, for the reason in words
        raise PermanentSmsError(sms_text.measure(text, subject=subject or "").problem())
    return kind.value


class OutboxProvider(SmsProvider):
    """Keeps each message as a JSON file in the instance folder (local mode only)."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, *, to: str, text: str, subject: str | None = None) -> SmsResult:
        if sens.domestic_number(to) is None:  # as SENS would refuse it
            raise PermanentSmsError(sens.NOT_A_MOBILE_NUMBER)
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
        return self.send_many([message])[0]

    def send_many(self, messages: Sequence[SmsText]) -> list[Outcome]:
        """One provider call; ChannelDown when the provider took nothing it was offered."""
        batch = [
            OutgoingSms(
                ref=str(n), to=m.to, text=m.text, subject=m.subject, advert=m.advert, kind=m.kind
            )
            for n, m in enumerate(messages)
        ]
        report = self.provider.send_batch(batch)
        if report.outage and not report.accepted:
            raise ChannelDown(_("문자 발송 업체가 지금은 문자를 받지 않습니다."))
        return [_outcome(report, item.ref) for item in batch]


def _outcome(report: BatchReport, ref: str) -> Outcome:
    if ref in report.accepted:
        return Accepted(report.accepted[ref])
    if ref in report.uncertain:
        return Uncertain(report.uncertain[ref])
    if ref in report.refused:
        return Refusal(code="refused", reason=report.refused[ref], permanent=True)
    if report.retry_after is not None or report.outage:
        return Postponed(report.deferred.get(ref, ""), report.retry_after)
    return Refusal(code="deferred", reason=report.deferred.get(ref, ""), permanent=False)


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
        return SmsText(
            to=to, text=content.text, subject=subject, kind=kind, advert=content.advertising
        )

    @contextmanager
    def session(self) -> Iterator[SmsSession]:
        yield SmsSession(self.provider)

    def delivery_results(self, provider_ids: Sequence[str]) -> list[DeliveryResult]:
        return self.provider.results(provider_ids)


class SensProvider(SmsProvider):
    """Naver Cloud SENS (pcrm.messaging.sens): real texts, results and the 080 list."""

    def __init__(self, client: sens.SensClient):
        self.client = client

    def send(self, *, to: str, text: str, subject: str | None = None) -> SmsResult:
        report = self.send_batch([OutgoingSms(ref="one", to=to, text=text, subject=subject)])
        if "one" in report.refused:
            raise PermanentSmsError(report.refused["one"])
        if "one" not in report.accepted:
            reason = report.deferred.get("one") or report.uncertain.get("one")
            raise TemporarySmsError(reason)
        return SmsResult(provider_id=report.accepted["one"], kind=message_kind(text, subject))

    def send_batch(self, messages: list[OutgoingSms]) -> BatchReport:
        kinds, refused = {}, {}
        for message in messages:
            try:  # measured once: a text the channel built carries its kind
                kinds[message.ref] = message.kind or message_kind(message.text, message.subject)
            except PermanentSmsError as error:
                refused[message.ref] = str(error)
        report = self.client.send_batch([m for m in messages if m.ref in kinds], kinds)
        report.refused |= refused
        return report

    def delivery_results(self, request_id: str) -> list[Delivery]:
        return self.client.delivery_results(request_id)

    def results(self, provider_ids: Sequence[str]) -> list[DeliveryResult]:
        """Final results of every message of these requests (SENS's id is the request's);
        SensUnavailable when SENS does not answer, so nothing is half read."""
        return [
            DeliveryResult(
                request_id, delivered=d.state == "delivered", reason=d.reason, to=d.to,
                permanent=d.permanent,
            )
            for request_id in dict.fromkeys(provider_ids)
            for d in self.client.delivery_results(request_id)
            if d.state != "pending"
        ]  # fmt: skip

    def opt_outs(self, since: datetime | None = None) -> list[OptOut]:
        return self.client.opt_outs(since)


def provider() -> SmsProvider:
    """The configured provider."""
    name = current_app.config["SMS_PROVIDER"]
    if name == "outbox":
        return OutboxProvider(Path(current_app.instance_path) / "outbox" / "sms")
    if name == "sens":
        return SensProvider(sens.SensClient(sens_settings(current_app.config)))
    raise RuntimeError(f"SMS_PROVIDER {name!r} is not available")


SENS_KEYS = ("SENS_ACCESS_KEY", "SENS_SECRET_KEY", "SENS_SERVICE_ID", "SENS_FROM")


def sens_settings(config) -> sens.SensSettings:
    """The SENS account from the configuration; RuntimeError naming what is missing."""
    missing = [key for key in SENS_KEYS if not config.get(key)]
    if missing:
        raise RuntimeError(f"SMS_PROVIDER=sens needs {', '.join(missing)}")
    return sens.SensSettings(
        access_key=config["SENS_ACCESS_KEY"], secret_key=config["SENS_SECRET_KEY"],
        service_id=config["SENS_SERVICE_ID"], sender=config["SENS_FROM"],
        base_url=config["SENS_BASE_URL"], timeout=config["SENS_TIMEOUT"],
        connect_timeout=config["SENS_CONNECT_TIMEOUT"],
        max_attempts=config["SENS_MAX_ATTEMPTS"], backoff=config["SENS_BACKOFF"],
    )  # fmt: skip
