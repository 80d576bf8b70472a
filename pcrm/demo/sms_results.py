"""What became of the demo's SMS: delivered, or failed with the carrier's reason (a dead number
bounced and suppressed, a phone off through every retry), and the replies residents texted back
(one opt-out, ordinary questions) for the replies page."""

import random
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select

from pcrm.bounces import policy
from pcrm.bounces.report import BounceKind
from pcrm.extensions import db
from pcrm.messaging.models import EventKind, Message, MessageStatus, SmsRequest, new_token
from pcrm.messaging.sens_format import RESULTS
from pcrm.replies.service import record_reply
from pcrm.subscribers.models import Channel

DEAD, PHONE_OFF = RESULTS["3001"][0], RESULTS["3002"][0]
EVERY = 50  # the registry's phones are mostly confirmed by a texted code: few fail
PER_REQUEST = 100  # as SENS takes them, and reports on them
RESULT_AFTER = timedelta(minutes=5)  # a failure's report
AWAITING = (MessageStatus.SENT.value, MessageStatus.BOUNCED_SOFT.value)
REPLIES = ("수신 거부", "설문은 언제까지 할 수 있나요?", "마을버스 배차 간격 좀 줄여 주세요")


def in_requests(rows: list[dict]) -> None:
    """The texts that left went PER_REQUEST a provider request, each under its request's id."""
    sent = [row for row in rows if row["provider_id"]]
    for start in range(0, len(sent), PER_REQUEST):
        request_id = f"demo-{new_token()[:12]}"
        for row in sent[start : start + PER_REQUEST]:
            row["provider_id"] = request_id


def record_requests(connection: Connection, message_ids: list[int], rows: list[dict]) -> None:
    """The provider's requests of these messages' texts, as a provider call records them;
    settled when its last result came, as the poll would have found."""
    requests: dict[str, list[tuple[int, dict]]] = {}
    for message_id, row in zip(message_ids, rows, strict=True):
        if row["channel"] == Channel.SMS.value and row["provider_id"]:
            requests.setdefault(row["provider_id"], []).append((message_id, row))
    values = [
        {"request_id": request_id, "campaign_id": texts[0][1]["campaign_id"],
         "message_ids": [i for i, _row in texts], "sent_at": texts[0][1]["sent_at"],
         "settled_at": _settled([row for _i, row in texts])}
        for request_id, texts in requests.items()
    ]  # fmt: skip
    if values:
        connection.execute(insert(SmsRequest), values)


def _settled(texts: list[dict]) -> datetime | None:
    if any(row["status"] in AWAITING for row in texts):
        return None
    return max(row["delivered_at"] or row["sent_at"] + RESULT_AFTER for row in texts)


def delivery_outcomes(rows: list[dict], rng: random.Random) -> None:
    """Delivered a few seconds after sending; but two in every EVERY texts to people who did
    not answer failed with the carrier's words (a dead number, a phone off through the retries)."""
    silent = 0
    for row in rows:
        if row.get("status") == MessageStatus.FAILED.value:
            continue  # never left: not a mobile number (no result to wait for)
        if row["responded_at"] is None:
            silent += 1
            if silent % EVERY in (1, 2):
                _failed(row, dead=silent % EVERY == 1)
                continue
        row["status"] = MessageStatus.DELIVERED.value
        row["delivered_at"] = row["sent_at"] + timedelta(seconds=rng.randint(2, 40))


def _failed(row: dict, *, dead: bool) -> None:
    reason = DEAD if dead else f"3회 보냈으나 전달되지 않았습니다: {PHONE_OFF}"
    row["status"] = (MessageStatus.BOUNCED_HARD if dead else MessageStatus.FAILED).value
    row |= {"last_error": reason, "attempts": 1 if dead else 3}


def delivery_events(base: dict, row: dict) -> list[dict]:
    """The provider's delivery report of an SMS, as an event."""
    if row["channel"] != Channel.SMS.value or row["sent_at"] is None:
        return []  # not a text, or one that never left (no provider, no report)
    if row["delivered_at"]:
        return [base | {"kind": EventKind.DELIVERY.value, "detail": "delivered",
                        "created_at": row["delivered_at"]}]  # fmt: skip
    detail = f"failed: {row['last_error']}"
    at = row["sent_at"] + RESULT_AFTER
    return [base | {"kind": EventKind.DELIVERY.value, "detail": detail, "created_at": at}]


def bounce_dead_numbers(campaign_id: int) -> None:
    """The bounce policy for every text that met a dead number: phone marked, suppressed."""
    dead = db.session.scalars(
        select(Message).where(
            Message.campaign_id == campaign_id,
            Message.channel == Channel.SMS,
            Message.last_error == DEAD,
        )
    ).all()
    for message in dead:
        policy.apply(message=message, kind=BounceKind.HARD, status=DEAD, source="sens")


def load_replies(campaign_id: int, rng: random.Random) -> int:
    """A few residents text back after the reminder; returns how many replies were kept."""
    delivered = db.session.scalars(
        select(Message)
        .where(
            Message.campaign_id == campaign_id,
            Message.channel == Channel.SMS,
            Message.status == MessageStatus.DELIVERED,
            Message.responded_at.is_(None),
        )
        .order_by(Message.id)
        .limit(len(REPLIES))
    ).all()
    for message, text in zip(delivered, REPLIES, strict=False):
        received: datetime = message.sent_at + timedelta(minutes=rng.randint(3, 300))
        record_reply(phone=message.address, text=text, received_at=received, source="callback")
    return len(delivered)
