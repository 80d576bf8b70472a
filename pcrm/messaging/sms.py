"""SMS providers behind one interface; the outbox provider keeps messages for the local UI."""

import json
import uuid
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app

from pcrm.db import utcnow
from pcrm.messaging import sens
from pcrm.messaging.sms_batch import BatchReport, Delivery, OptOut, OutgoingSms

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


class PermanentSmsError(Exception):
    """The provider refused for good (invalid number, text it cannot encode): do not retry."""


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

    def delivery_results(self, request_id: str) -> list[Delivery]:
        """The delivery result of each message of one request; none when it reports none."""
        return []

    def opt_outs(self, since: datetime | None = None) -> list[OptOut]:
        """The provider's 080 opt-out list; empty when it keeps none."""
        return []


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
            try:
                kinds[message.ref] = message_kind(message.text, message.subject)
            except PermanentSmsError as error:
                refused[message.ref] = str(error)
        report = self.client.send_batch([m for m in messages if m.ref in kinds], kinds)
        report.refused |= refused
        return report

    def delivery_results(self, request_id: str) -> list[Delivery]:
        return self.client.delivery_results(request_id)

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
