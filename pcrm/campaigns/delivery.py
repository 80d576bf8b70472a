"""What became of each SMS sent: delivery results, polled or pushed, applied once each.

Delivered: the message is delivered. A permanent failure (no such number) goes through the
bounce policy, which marks the phone and suppresses it. A temporary one (phone off, no signal)
waits, longer each time, and is sent again through the campaign's own batches, at most
SMS_RESULT_RETRIES times; after that the message has failed, with the carrier's reason.

Results come per provider request (SENS: up to 100 texts under one id; pcrm.messaging.
sms_requests), and a request is asked about until none of its texts awaits a result or a retry
under it: then it is settled and never read again. Past SMS_RESULT_POLL_DAYS a text with no
result stays "sent", and its request is settled once no text of it waits to go again.

Every change is guarded on the message still being "sent", so a result read twice, by the poll
and the callback at once, or after a crash, is applied once. A provider that does not answer
the poll changes nothing: the next poll asks again.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from pcrm.bounces import policy
from pcrm.bounces.report import BounceKind
from pcrm.campaigns.audit import record_transition
from pcrm.campaigns.backoff import relay_delay
from pcrm.campaigns.launch import batch_range, enqueue_batches
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging import sms_requests
from pcrm.messaging.channels import DeliveryResult
from pcrm.messaging.models import EventKind, Message, MessageStatus
from pcrm.messaging.sens import SensUnavailable
from pcrm.messaging.service import record_event
from pcrm.messaging.sms import SmsChannel

# Requests (SENS: up to 100 texts each, each request one lookup) asked about in one run, picked
# at random so that a request whose results never come cannot hold up the others.
POLL_LIMIT = 20
# Requests past the poll window settled in one run (a look at their texts by primary key each).
EXPIRED_LIMIT = 100


def awaiting_results(now: datetime) -> list[str]:
    """Provider requests sent recently and not settled, at most POLL_LIMIT."""
    since = now - timedelta(days=current_app.config["SMS_RESULT_POLL_DAYS"])
    return sms_requests.unsettled(since=since, limit=POLL_LIMIT)


def poll_delivery_results(now: datetime | None = None) -> int:
    """Periodic job: read and apply the results of SMS awaiting one, settle the requests with
    nothing left to await, then send again those whose wait is over; returns how many
    results were applied."""
    now = now or utcnow()
    request_ids = awaiting_results(now)
    applied = 0
    if request_ids:
        try:
            results = SmsChannel().delivery_results(request_ids)
        except (SensUnavailable, OSError) as error:  # httpx's transport errors are OSErrors
            current_app.logger.warning("SMS delivery results not read: %s", error)
        else:
            applied = sum(apply_result(result, now=now) for result in results)
            sms_requests.settle(request_ids, now=now)
    _settle_expired(now)
    resend_due(now)
    return applied


def _settle_expired(now: datetime) -> None:
    """Past the poll window a text with no result stays "sent" and its request is settled,
    unless a text of it still waits to be sent again (a paused campaign's, say)."""
    before = now - timedelta(days=current_app.config["SMS_RESULT_POLL_DAYS"])
    expired = sms_requests.unsettled(before=before, limit=EXPIRED_LIMIT)
    if expired:
        sms_requests.settle(expired, now=now, holding=sms_requests.RETRYING)


def _message_for(result: DeliveryResult) -> int | None:
    return sms_requests.text_for(result)


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
    first, cap = config["SMS_RESULT_BACKOFF"], config["SMS_RESULT_BACKOFF_MAX"]
    return [
        (message_id, campaign_id)
        for message_id, campaign_id, attempts, at in sms_requests.retry_candidates(
            retries=config["SMS_RESULT_RETRIES"]
        )
        if at + relay_delay(attempts, first=first, cap=cap) <= now
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
