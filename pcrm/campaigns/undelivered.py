"""Undelivered messages of a campaign: how many on the campaign list, and another try for those
whose cause may have passed (a soft bounce, a failure), through the same engine."""

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from pcrm.auth.models import User
from pcrm.campaigns.audit import record_transition
from pcrm.campaigns.launch import batch_ranges, enqueue_batches
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.campaigns.progress import RETRYABLE, UNDELIVERED
from pcrm.errors import Conflict, Forbidden
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus

S = CampaignStatus


def undelivered_counts(campaign_ids: list[int]) -> dict[int, int]:
    """Undelivered messages per campaign, for a page of the campaign list."""
    rows = db.session.execute(
        select(Message.campaign_id, func.count())
        .where(Message.campaign_id.in_(campaign_ids), Message.status.in_(UNDELIVERED))
        .group_by(Message.campaign_id)
    )
    return dict(rows.all())


def retry_undelivered(campaign: Campaign, *, actor: User) -> int:
    """Queue the campaign's soft-bounced and failed messages again with fresh attempts; consent
    is checked again when a batch claims them. Commits, then queues; returns how many."""
    if not actor.sees_all_departments:
        raise Forbidden(_("공보담당관만 할 수 있습니다."))
    if campaign.status not in (S.SENT, S.SENDING):
        raise Conflict(_("발송을 마쳤거나 발송 중인 캠페인만 다시 보낼 수 있습니다."))
    again = db.session.execute(
        update(Message)
        .where(Message.campaign_id == campaign.id, Message.status.in_(RETRYABLE))
        .values(status=MessageStatus.QUEUED, attempts=0, smtp_code=None, last_error=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not again:
        db.session.rollback()
        raise Conflict(_("다시 보낼 미전달 메시지가 없습니다."))
    note = f"미전달 {again}건 다시 발송"
    record_transition(campaign.id, "retried", campaign.status, S.SENDING, actor=actor, note=note)
    campaign.status, campaign.finished_at = S.SENDING, None
    campaign.relay_failures, campaign.relay_retry_at, campaign.relay_error = 0, None, None
    campaign.sms_failures, campaign.sms_retry_at, campaign.sms_error = 0, None, None
    db.session.commit()
    enqueue_batches(campaign.id, batch_ranges(campaign.id))
    return again
