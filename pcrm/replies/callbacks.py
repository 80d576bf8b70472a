"""The provider's pushes: delivery results and replies, as JSON signed with a shared secret.

A request carries X-PCRM-Signature: sha256=<hex HMAC-SHA256 of the raw body with
SMS_CALLBACK_SECRET>; it is compared in constant time. Both pushes are idempotent (a result is
applied once, a reply kept once), so a provider or bridge that posts again loses nothing.
"""

import hashlib
import hmac

from flask import current_app
from flask_babel import gettext as _

from pcrm.campaigns.delivery import apply_result
from pcrm.errors import Forbidden, Invalid
from pcrm.messaging.channels import DeliveryResult
from pcrm.messaging.sens_format import delivery_from
from pcrm.replies.imports import received_time
from pcrm.replies.service import record_reply
from pcrm.subscribers.addresses import normalise_phone

SIGNATURE_HEADER = "X-PCRM-Signature"


def signature(secret: str, body: bytes) -> str:
    """The header value a sender must give for this body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_signature(body: bytes, given: str | None) -> None:
    """Forbidden unless the body is signed with the configured secret (none set: refused)."""
    secret = current_app.config.get("SMS_CALLBACK_SECRET")
    if not secret or not given or not hmac.compare_digest(signature(secret, body), given):
        raise Forbidden(_("서명이 올바르지 않습니다."))


def _items(body, key: str) -> list:
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise Invalid(_("본문은 %(key)s 목록을 담은 JSON이어야 합니다.", key=key))
    return items


def results_pushed(body) -> int:
    """Apply a push of delivery results, each as SENS's results lookup writes one message;
    returns how many changed a message."""
    results = []
    for record in _items(body, "messages"):
        try:
            delivery = delivery_from(record)
        except (KeyError, ValueError, TypeError):
            raise Invalid(_("결과 항목에 messageId, requestId, to가 있어야 합니다.")) from None
        if delivery.state != "pending" and delivery.request_id:
            results.append(
                DeliveryResult(
                    delivery.request_id, delivery.state == "delivered", delivery.reason,
                    to=delivery.to, permanent=delivery.permanent,
                )
            )  # fmt: skip
    return sum(apply_result(result) for result in results)


def replies_pushed(body) -> tuple[int, int]:
    """Keep a push of replies ({"from", "text", "receivedAt"} each); returns (kept, opt-outs).
    The whole push is checked before any reply is kept, so a bad one loses none."""
    replies = []
    for item in _items(body, "replies"):
        at = received_time(str(item.get("receivedAt") or ""))
        if at is None or not str(item.get("text") or "").strip() or not item.get("from"):
            raise Invalid(_("답장마다 from, text, receivedAt이 있어야 합니다."))
        if normalise_phone(str(item["from"])).value is None:
            raise Invalid(_("휴대전화 번호가 아닙니다: %(number)s", number=str(item["from"])[:20]))
        replies.append((str(item["from"]), str(item["text"]), at))
    kept = [
        record_reply(phone=p, text=t, received_at=at, source="callback") for p, t, at in replies
    ]
    return len(kept), sum(reply.opt_out for reply in kept)
