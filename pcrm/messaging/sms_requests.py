"""The SMS provider's requests (SENS: up to 100 texts under one id), the unit its delivery
results come in: which to ask about, which text a result is for, when one is settled.

Every lookup goes from a request, by its primary key, to its texts, by theirs: message's
provider_id has no index and gets none (migration 0024 keeps a send's writes off every index),
so a search of `message` by it would read the whole table. A request's texts are SMS by
construction, and no lookup says so: a condition on `channel` alone lets PostgreSQL choose to
read the whole (campaign, subscriber, channel, wave) index instead of the texts' keys.
"""

from datetime import datetime

from sqlalchemy import func, select, update

from pcrm.db import among
from pcrm.extensions import db
from pcrm.messaging.channels import DeliveryResult
from pcrm.messaging.models import Event, EventKind, Message, MessageStatus, SmsRequest

# A text its request may still change: awaiting its result, or back in the queue after a
# temporary failure and not yet gone again (once it goes, it has another request's id).
RETRYING = (MessageStatus.BOUNCED_SOFT, MessageStatus.QUEUED, MessageStatus.SENDING)
AWAITING = (MessageStatus.SENT, *RETRYING)


def unsettled(
    *, limit: int, since: datetime | None = None, before: datetime | None = None
) -> list[str]:
    """Ids of requests not settled, sent since or before a time, at random (so that one whose
    results never come cannot hold up the others), at most `limit`."""
    query = select(SmsRequest.request_id).where(SmsRequest.settled_at.is_(None))
    if since is not None:
        query = query.where(SmsRequest.sent_at >= since)
    if before is not None:
        query = query.where(SmsRequest.sent_at < before)
    ids = db.session.scalars(query.order_by(func.random()).limit(limit)).all()
    db.session.commit()
    return list(ids)


def text_for(result: DeliveryResult) -> int | None:
    """The text a result is for: one of its request's still "sent" under that request, to the
    result's number when it names one; None when no such text awaits it."""
    ids = db.session.scalar(
        select(SmsRequest.message_ids).where(SmsRequest.request_id == result.provider_id)
    )
    if not ids:
        db.session.commit()
        return None
    query = select(Message.id).where(
        among(Message.id, ids),
        Message.provider_id == result.provider_id,  # a text sent again belongs to its new request
        Message.status == MessageStatus.SENT,
    )
    if result.to is not None:
        query = query.where(Message.address == result.to)
    message_id = db.session.scalar(query.order_by(Message.id).limit(1))
    db.session.commit()
    return message_id


def settle(request_ids: list[str], *, now: datetime, holding=AWAITING) -> int:
    """Mark settled those of these requests none of whose texts is still `holding` under them;
    returns how many. Commits."""
    rows = db.session.execute(
        select(SmsRequest.request_id, SmsRequest.message_ids).where(
            SmsRequest.request_id.in_(request_ids), SmsRequest.settled_at.is_(None)
        )
    ).all()
    held = set(
        db.session.scalars(
            select(Message.provider_id).where(
                among(Message.id, [i for _r, ids in rows for i in ids]),
                Message.status.in_(holding),
            )
        )
    )
    done = [request_id for request_id, _ids in rows if request_id not in held]
    if done:
        db.session.execute(
            update(SmsRequest)
            .where(SmsRequest.request_id.in_(done), SmsRequest.settled_at.is_(None))
            .values(settled_at=now)
        )
    db.session.commit()
    return len(done)


def retry_candidates(*, retries: int) -> list[tuple[int, int, int, datetime]]:
    """(message id, campaign id, attempts, time of its last delivery result) of each text of
    an unsettled request that failed for now and has a try left."""
    ids = db.session.scalars(
        select(SmsRequest.message_ids).where(SmsRequest.settled_at.is_(None))
    ).all()
    waiting = db.session.execute(
        select(Message.id, Message.campaign_id, Message.attempts).where(
            among(Message.id, {i for message_ids in ids for i in message_ids}),
            Message.status == MessageStatus.BOUNCED_SOFT,
            Message.attempts <= retries,
        )
    ).all()
    last = dict(
        db.session.execute(
            select(Event.message_id, func.max(Event.created_at))
            .where(among(Event.message_id, [row.id for row in waiting]))
            .where(Event.kind == EventKind.DELIVERY)
            .group_by(Event.message_id)
        ).all()
    )
    db.session.commit()
    return [(*row, last[row.id]) for row in waiting if row.id in last]
