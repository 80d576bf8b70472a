"""The signed JSON webhook for relays other than SES (format: docs/bounces.md).

The relay signs `<timestamp>.<body>` with HMAC-SHA256 under BOUNCE_WEBHOOK_SECRET and sends
the hex digest as `X-PCRM-Signature: sha256=<hex>` with `X-PCRM-Timestamp: <unix seconds>`.
A timestamp more than five minutes off is refused, so a captured request cannot be replayed
later; an event replayed within the window is a duplicate of its first delivery and changes
nothing (ingest keys the evidence by its digest).
"""

import hashlib
import hmac
import json
import re

from flask_babel import gettext as _

from pcrm.bounces.parsing import VERP
from pcrm.bounces.report import BounceKind, Failure, Report
from pcrm.errors import Forbidden, Invalid

TIMESTAMP_HEADER = "X-PCRM-Timestamp"
SIGNATURE_HEADER = "X-PCRM-Signature"
TOLERANCE_SECONDS = 300
MAX_EVENTS = 100
STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
KINDS = {"hard": BounceKind.HARD, "soft": BounceKind.SOFT, "complaint": BounceKind.COMPLAINT}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of X-PCRM-Signature for `body` sent at `timestamp`."""
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(body: bytes, *, timestamp: str, given: str, secret: str, now: float) -> None:
    """Raise Forbidden unless the request is signed with our secret within the tolerance."""
    if not timestamp.isdigit():
        raise Forbidden(_("%(header)s 헤더가 없거나 숫자가 아닙니다.", header=TIMESTAMP_HEADER))
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise Forbidden(_("요청 시각이 5분 이상 차이 납니다(재전송된 요청일 수 있습니다)."))
    if not hmac.compare_digest(signature(secret, timestamp, body).encode(), given.encode()):
        raise Forbidden(_("서명이 맞지 않습니다."))


def read(body: bytes) -> list[tuple[Report, bytes]]:
    """Each event of a verified body as a Report and its evidence (the event's own JSON)."""
    try:
        payload = json.loads(body)
    except ValueError:
        raise Invalid(_("요청 본문이 JSON이 아닙니다.")) from None
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not events:
        raise Invalid(_("events 목록이 없습니다."))
    if len(events) > MAX_EVENTS:
        raise Invalid(_("한 번에 %(n)s건까지 보낼 수 있습니다.", n=MAX_EVENTS))
    return [_event(n, event) for n, event in enumerate(events, start=1)]


def _event(n: int, event) -> tuple[Report, bytes]:
    if not isinstance(event, dict):
        raise Invalid(_("%(n)s번째 이벤트가 JSON 객체가 아닙니다.", n=n))
    kind = KINDS.get(event.get("type"))
    recipient = event.get("recipient")
    if kind is None:
        raise Invalid(_("%(n)s번째 이벤트의 type은 hard, soft, complaint 중 하나여야 합니다.", n=n))
    if not isinstance(recipient, str) or "@" not in recipient or len(recipient) > 254:
        raise Invalid(_("%(n)s번째 이벤트의 recipient가 전자우편 주소가 아닙니다.", n=n))
    status = event.get("status")
    if status is not None and not (isinstance(status, str) and STATUS.match(status)):
        raise Invalid(_("%(n)s번째 이벤트의 status는 5.1.1 같은 형식이어야 합니다.", n=n))
    texts = {name: event.get(name) for name in ("message_id", "return_path", "diagnostic", "id")}
    if any(value is not None and not isinstance(value, str) for value in texts.values()):
        raise Invalid(_("%(n)s번째 이벤트에 문자열이 아닌 값이 있습니다.", n=n))
    token = VERP.search(texts["return_path"] or "")
    message_id = (texts["message_id"] or "").strip()
    report = Report(
        kind,
        (Failure(recipient.strip(), kind, status, (texts["diagnostic"] or "")[:500]),),
        message_token=token.group(1) if token else None,
        message_ids=(message_id,) if message_id else (),
        why=f"webhook: {event['type']}",
    )
    evidence = json.dumps(event, ensure_ascii=False, sort_keys=True).encode()
    return report, evidence
