"""What became of each SMS sent: delivery results, polled or pushed, applied once each.

Delivered: the message is delivered. A permanent failure (no such number) goes through the
bounce policy, which marks the phone and suppresses it. A temporary one (phone off, no signal)
waits, longer each time, and is sent again through the campaign's own batches, at most
SMS_RESULT_RETRIES times; after that the message has failed, with the carrier's reason.

Every change is guarded on the message still being "sent", so a result read twice, by the poll
and the callback at once, or after a crash, is applied once. A provider that does not answer
the poll changes nothing: the next poll asks again.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from pcrm.bounces import policy
from pcrm.bounces.report import BounceKind
from pcrm.campaigns.audit import record_transition
from pcrm.campaigns.backoff import relay_delay
from pcrm.campaigns.launch import batch_range, enqueue_batches
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.channels import DeliveryResult
from pcrm.messaging.models import Event, EventKind, Message, MessageStatus
from pcrm.messaging.sens import SensUnavailable
from pcrm.messaging.service import record_event
from pcrm.messaging.sms import SmsChannel
from pcrm.subscribers.models import Channel

# Provider ids (SENS: requests of up to 100 texts, each text one lookup) asked about in one run,
# picked at random so that a text whose result never comes cannot hold up the others.
POLL_LIMIT = 20


def awaiting_results(now: datetime) -> list[str]:
    """Provider ids of SMS sent recently whose result is not in yet, at most POLL_LIMIT."""
    since = now - timedelta(days=current_app.config["SMS_RESULT_POLL_DAYS"])
    ids = db.session.scalars(
        select(Message.provider_id)
        .where(
            Message.channel == Channel.SMS,
            Message.status == MessageStatus.SENT,
            Message.provider_id.is_not(None),
            Message.sent_at >= since,
        )
        .group_by(Message.provider_id)
        .order_by(func.random())
        .limit(POLL_LIMIT)
    ).all()
    db.session.commit()
    return list(ids)


def poll_delivery_results(now: datetime | None = None) -> int:
    """Periodic job: read and apply the results of SMS awaiting one, then send again those
    whose wait is over; returns how many results were applied."""
    now = now or utcnow()
    provider_ids = awaiting_results(now)
    applied = 0
    if provider_ids:
        try:
            results = SmsChannel().delivery_results(provider_ids)
        except (SensUnavailable, OSError) as error:  # httpx's transport errors are OSErrors
            current_app.logger.warning("SMS delivery results not read: %s", error)
            results = []
        applied = sum(apply_result(result, now=now) for result in results)
    resend_due(now)
    return applied


def _message_for(result: DeliveryResult) -> int | None:
    query = select(Message.id).where(
        Message.provider_id == result.provider_id,
        Message.channel == Channel.SMS,
        Message.status == MessageStatus.SENT,
    )
    if result.to is not None:
        query = query.where(Message.address == result.to)
    message_id = db.session.scalar(query.order_by(Message.id).limit(1))
    db.session.commit()
    return message_id


def _move(message_id: int, **values) -> bool:
    """Move a sent message on, once: False when another reader already did."""
    moved = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.SENT)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(moved)


def apply_result(result: DeliveryResult, *, now: datetime | None = None) -> bool:
    """Apply one provider result to its message; False when unknown or already applied."""
    now = now or utcnow()
    message_id = _message_for(result)
    if message_id is None:
        return False
    if result.delivered:
        changed = _move(message_id, status=MessageStatus.DELIVERED, delivered_at=now)
        detail = "delivered"
    elif result.permanent:
        changed = _move(message_id, status=MessageStatus.FAILED, last_error=result.reason)
        detail = f"failed: {result.reason}"
    else:
        changed = _failed_for_now(message_id, result.reason or "")
        detail = f"temporary: {result.reason}"
    if not changed:
        db.session.rollback()
        return False
    message = db.session.get(Message, message_id)
    record_event(message, EventKind.DELIVERY, detail=detail)
    if result.permanent:  # in the same transaction: the policy commits it all
        policy.apply(message=message, kind=BounceKind.HARD, status=result.reason, source="sens")
    db.session.commit()
    return True


def _failed_for_now(message_id: int, reason: str) -> bool:
    """A temporary failure: another try later, or failed for good once the tries are used."""
    attempts = db.session.scalar(select(Message.attempts).where(Message.id == message_id))
    if attempts > current_app.config["SMS_RESULT_RETRIES"]:
        tries = f"{attempts}회 보냈으나 전달되지 않았습니다: {reason}"
        return _move(message_id, status=MessageStatus.FAILED, last_error=tries)
    return _move(message_id, status=MessageStatus.BOUNCED_SOFT, last_error=reason)


def _retry_waits(now: datetime) -> list[tuple[int, int]]:
    """(message id, campaign id) of SMS whose temporary failure's wait is over."""
    config = current_app.config
    last_result = (
        select(Event.message_id, func.max(Event.created_at).label("at"))
        .where(Event.kind == EventKind.DELIVERY)
        .group_by(Event.message_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Message.id, Message.campaign_id, Message.attempts, last_result.c.at)
        .join(last_result, last_result.c.message_id == Message.id)
        .where(
            Message.channel == Channel.SMS,
            Message.status == MessageStatus.BOUNCED_SOFT,
            Message.attempts <= config["SMS_RESULT_RETRIES"],
        )
    ).all()
    db.session.commit()
    first, cap = config["SMS_RESULT_BACKOFF"], config["SMS_RESULT_BACKOFF_MAX"]
    return [
        (row.id, row.campaign_id)
        for row in rows
        if row.at + relay_delay(row.attempts, first=first, cap=cap) <= now
    ]


def resend_due(now: datetime) -> int:
    """Queue again the SMS whose wait after a temporary failure is over (consent is checked
    again at the claim; quiet hours hold them); reopens a finished campaign. Commits, then
    queues; returns how many."""
    by_campaign: dict[int, list[int]] = {}
    for message_id, campaign_id in _retry_waits(now):
        by_campaign.setdefault(campaign_id, []).append(message_id)
    queued = 0
    for campaign_id, ids in by_campaign.items():
        campaign = db.session.get(Campaign, campaign_id)
        if campaign.status not in (CampaignStatus.SENT, CampaignStatus.SENDING):
            continue
        queued += db.session.execute(
            update(Message)
            .where(Message.id.in_(ids), Message.status == MessageStatus.BOUNCED_SOFT)
            .values(status=MessageStatus.QUEUED, claimed_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if campaign.status is CampaignStatus.SENT:
            note = f"전달 안 된 문자 {len(ids)}건 다시 발송"
            record_transition(campaign.id, "retried", campaign.status, CampaignStatus.SENDING,
                              note=note)  # fmt: skip
            campaign.status, campaign.finished_at = CampaignStatus.SENDING, None
        db.session.commit()
        enqueue_batches(campaign_id, sorted({batch_range(i) for i in ids}))
    return queued
