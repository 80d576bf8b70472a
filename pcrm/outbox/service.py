"""Reading the local outboxes: e-mail the SMTP catcher caught, SMS the outbox provider kept."""

import email
import email.utils
import json
import mailbox
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from pcrm.errors import NotFound


def mail_dir() -> Path:
    return Path(current_app.instance_path) / "outbox" / "mail"


def sms_dir() -> Path:
    return Path(current_app.instance_path) / "outbox" / "sms"


@dataclass(frozen=True)
class CaughtMail:
    key: str
    message: EmailMessage

    @property
    def sent_at(self) -> datetime | None:
        """The Date header as an aware time (shown in Asia/Seoul), None when absent or bad."""
        try:
            return email.utils.parsedate_to_datetime(self.message["Date"])
        except (TypeError, ValueError):
            return None

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


def _newest_first(directory: Path) -> list[Path]:
    if not directory.exists():
        return []
    return sorted((p for p in directory.iterdir() if p.is_file()), reverse=True)


def _parse(path: Path) -> CaughtMail:
    with path.open("rb") as file:
        message = email.message_from_binary_file(file, policy=policy.default)
    return CaughtMail(path.name.split(":")[0], message)


def latest_mail(limit: int = 100, offset: int = 0) -> tuple[list[CaughtMail], int]:
    """The newest caught messages and the total count."""
    paths = []
    for sub in ("new", "cur"):
        paths += _newest_first(mail_dir() / sub)
    # Maildir names start with the delivery time, so names sort by arrival.
    paths.sort(key=lambda p: p.name, reverse=True)
    page = paths[offset : offset + limit]
    return [_parse(p) for p in page], len(paths)


def caught_mail(key: str) -> CaughtMail:
    try:
        raw = mailbox.Maildir(mail_dir(), create=False).get_bytes(key)
    except (KeyError, mailbox.NoSuchMailboxError):  # no such message, or no mail caught yet
        raise NotFound(_("없는 메시지입니다.")) from None
    return CaughtMail(key, email.message_from_bytes(raw, policy=policy.default))


def _read_sms(path: Path) -> dict:
    record = json.loads(path.read_text())
    record["sent_at"] = datetime.fromisoformat(record["sent_at"])
    return record


def latest_sms(limit: int = 100, offset: int = 0) -> tuple[list[dict], int]:
    """The newest SMS the outbox provider kept, and the total count."""
    paths = _newest_first(sms_dir())
    return [_read_sms(p) for p in paths[offset : offset + limit]], len(paths)
