"""Amazon SES bounce and complaint notifications (the JSON inside an SNS message) as Reports.

Permanent bounces are hard, Transient and Undetermined ones soft (a full mailbox is soft even
when its code says 5.x.x); complaints are complaints. Delivery and other notifications are not
about a failure and give no Report.
"""

import json
import re

from flask_babel import gettext as _

from pcrm.bounces.parsing import VERP
from pcrm.bounces.report import BounceKind, Failure, Report
from pcrm.errors import Invalid

STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
MAILBOX_FULL = "5.2.2"


def read(notification_json: str) -> Report | None:
    """The Report an SES notification makes; None for one that reports no failure."""
    try:
        notification = json.loads(notification_json)
    except ValueError:
        raise Invalid(_("SES 알림의 내용이 JSON이 아닙니다.")) from None
    if not isinstance(notification, dict):
        raise Invalid(_("SES 알림의 내용이 JSON 객체가 아닙니다."))
    kind = notification.get("notificationType") or notification.get("eventType")
    mail = _object(notification, "mail")
    if kind == "Bounce":
        bounce = _object(notification, "bounce")
        failures, why = _bounced(bounce), f"SES: {bounce.get('bounceType')}"
    elif kind == "Complaint":
        complaint = _object(notification, "complaint")
        failures = tuple(
            Failure(_address(r), BounceKind.COMPLAINT, None, str(r.get("feedbackType") or ""))
            for r in _recipients(complaint, "complainedRecipients")
        )
        why = "SES: Complaint"
    else:
        return None
    return Report(
        _whole(failures),
        failures,
        message_token=_token(mail),
        message_ids=_message_ids(mail),
        why=why,
        subject=str((mail.get("commonHeaders") or {}).get("subject") or "")[:300],
        sender=str(mail.get("source") or "")[:254],
    )


def _bounced(bounce: dict) -> tuple[Failure, ...]:
    permanent = bounce.get("bounceType") == "Permanent"
    failures = []
    for recipient in _recipients(bounce, "bouncedRecipients"):
        status = str(recipient.get("status") or "").strip()
        status = status if STATUS.match(status) else None
        hard = permanent and status != MAILBOX_FULL
        kind = BounceKind.HARD if hard else BounceKind.SOFT
        diagnostic = str(recipient.get("diagnosticCode") or "")[:500]
        failures.append(Failure(_address(recipient), kind, status, diagnostic))
    return tuple(failures)


def _whole(failures: tuple[Failure, ...]) -> BounceKind:
    kinds = {f.kind for f in failures}
    for kind in (BounceKind.COMPLAINT, BounceKind.HARD, BounceKind.SOFT):
        if kind in kinds:
            return kind
    return BounceKind.NONE


def _object(parent: dict, name: str) -> dict:
    value = parent.get(name)
    if not isinstance(value, dict):
        raise Invalid(_("SES 알림에 %(name)s 항목이 없습니다.", name=name))
    return value


def _recipients(parent: dict, name: str) -> list[dict]:
    value = parent.get(name)
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise Invalid(_("SES 알림에 %(name)s 목록이 없습니다.", name=name))
    return value


def _address(recipient: dict) -> str | None:
    address = recipient.get("emailAddress")
    return address.strip()[:254] if isinstance(address, str) and address.strip() else None


def _token(mail: dict) -> str | None:
    """Our VERP token, when SES sent with our return path (mail.source is the envelope)."""
    match = VERP.search(str(mail.get("source") or ""))
    return match.group(1) if match else None


def _message_ids(mail: dict) -> tuple[str, ...]:
    """The Message-ID we gave the message (SES's own messageId is not ours)."""
    found = [(mail.get("commonHeaders") or {}).get("messageId")]
    headers = mail.get("headers") if isinstance(mail.get("headers"), list) else []
    found += [
        h.get("value")
        for h in headers
        if isinstance(h, dict) and str(h.get("name", "")).lower() == "message-id"
    ]
    ids = []
    for value in found:
        if isinstance(value, str) and value.strip():
            value = value.strip()
            ids.append(value if value.startswith("<") else f"<{value}>")
    return tuple(dict.fromkeys(ids))
