"""Staff add and remove a campaign's reminder waves, and see each one on the campaign page.

PR staff may change the reminders of a campaign until they go; the requesting department only
while the campaign is a draft (as its form). At most CAMPAIGN_MAX_REMINDERS, each at least
CAMPAIGN_REMINDER_GAP_HOURS after the campaign or the reminder before it. An SMS reminder is
measured for its audience when saved: refused if a character cannot go by SMS.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import false, func, select

from pcrm.auth.access import ensure_department
from pcrm.auth.models import User
from pcrm.campaigns import sms_measure
from pcrm.campaigns.audit import record_transition
from pcrm.campaigns.mailing import check_renders
from pcrm.campaigns.models import EDITABLE, Campaign, CampaignStatus, CampaignWave, WaveStatus
from pcrm.campaigns.progress import audience_filter
from pcrm.campaigns.templating import TemplateProblem
from pcrm.campaigns.waves import answered_after, wave_audience
from pcrm.db import utcnow
from pcrm.errors import Conflict, Forbidden, Invalid, NotFound
from pcrm.extensions import db
from pcrm.labels import label
from pcrm.messaging.models import Message
from pcrm.messaging.sms_text import AudienceMeasure
from pcrm.subscribers.audience import Criteria
from pcrm.subscribers.models import Channel, Subscriber

CLOSED = (CampaignStatus.CANCELLED, CampaignStatus.REJECTED)


@dataclass(frozen=True)
class WaveRow:
    """One reminder as the campaign page shows it."""

    wave: CampaignWave
    due_at: datetime | None
    recipients: int  # live count before it goes, messages once it went
    answered_after: int | None  # once sent


def _may_change(campaign: Campaign, actor: User) -> None:
    ensure_department(campaign.department_id, actor)
    if campaign.status in CLOSED:
        raise Conflict(
            _("지금 상태(%(status)s)에서는 할 수 없습니다.", status=label(campaign.status))
        )
    if not actor.sees_all_departments and campaign.status not in EDITABLE:
        raise Forbidden(_("승인 요청 뒤에는 공보담당관만 알림을 바꿀 수 있습니다."))


def _base(campaign: Campaign) -> datetime:
    """When the first message goes (or went): what "N days after" counts from."""
    return campaign.launched_at or campaign.send_at or utcnow()


def _check_timing(campaign: Campaign, wave: CampaignWave, others: list[CampaignWave]) -> None:
    if (wave.after_days is None) == (wave.send_at is None):
        raise Invalid(
            _("며칠 뒤에 보낼지, 또는 보낼 시각 중 하나만 정해 주세요."), field="after_days"
        )
    if wave.after_days is not None and wave.after_days < 1:
        raise Invalid(_("1일 이상으로 정해 주세요."), field="after_days")
    if wave.send_at is not None and wave.send_at <= utcnow():
        raise Invalid(_("지나간 시각에는 보낼 수 없습니다."), field="send_at")
    base = _base(campaign)
    gap = timedelta(hours=current_app.config["CAMPAIGN_REMINDER_GAP_HOURS"])
    times = sorted([base, *(w.due_at(base) for w in [*others, wave])])
    if any(later - earlier < gap for earlier, later in pairwise(times)):
        hours = current_app.config["CAMPAIGN_REMINDER_GAP_HOURS"]
        raise Invalid(
            _("알림은 첫 발송과 다른 알림에서 %(n)d시간 이상 떨어져야 합니다.", n=hours),
            field="after_days",
        )


def _check_text(campaign: Campaign, wave: CampaignWave) -> AudienceMeasure | None:
    """Refuse a text that cannot be made or sent; an SMS reminder's measure for its audience."""
    if not wave.body.strip():
        raise Invalid(_("본문을 써 주세요."), field="body")
    try:
        if wave.channel is Channel.EMAIL:
            if not wave.subject.strip():
                raise Invalid(_("메일 제목을 써 주세요."), field="subject")
            check_renders(campaign, subject=wave.subject, body=wave.body)
            return None
        return measure_sms(campaign, wave)
    except TemplateProblem as problem:
        message = _("제목이나 본문의 자리표시자를 확인하세요: %(e)s", e=problem)
        raise Invalid(message, field="body") from None


def measure_sms(campaign: Campaign, wave: CampaignWave) -> AudienceMeasure:
    """The SMS reminder measured for its audience (campaigns.sms_measure)."""
    ids = audience_for(campaign, wave)
    return sms_measure.measure_sms(campaign, subject=wave.subject, body=wave.body, ids=ids)


def audience_for(campaign: Campaign, wave: CampaignWave):
    """Ids of who the wave would reach now: before launch, the campaign's audience on the
    wave's channel; after, those who got it and have not answered."""
    if campaign.launched_at is not None:
        return wave_audience(campaign, wave.channel)
    if campaign.segment is None or campaign.field_code is None:  # nobody yet, as launch says
        return select(Subscriber.id).where(false())
    criteria = Criteria.from_json(campaign.segment.criteria if campaign.segment else {})
    return audience_filter(campaign, criteria, channel=wave.channel)


def add_reminder(
    campaign: Campaign,
    *,
    actor: User,
    channel: Channel,
    after_days: int | None,
    send_at: datetime | None,
    subject: str,
    body: str,
) -> tuple[CampaignWave, AudienceMeasure | None]:
    """A new reminder wave, checked; commits. With an SMS reminder's measure."""
    _may_change(campaign, actor)
    others = list(waves_of(campaign))
    if len(others) >= current_app.config["CAMPAIGN_MAX_REMINDERS"]:
        limit = current_app.config["CAMPAIGN_MAX_REMINDERS"]
        raise Invalid(_("알림은 %(n)d번까지 보낼 수 있습니다.", n=limit))
    number = max((w.number for w in others), default=0) + 1
    wave = CampaignWave(
        campaign_id=campaign.id, number=number, channel=channel, after_days=after_days,
        send_at=send_at, subject=subject.strip(), body=body.replace("\r\n", "\n"),
        status=WaveStatus.SCHEDULED,
    )  # fmt: skip
    _check_timing(campaign, wave, others)
    measured = _check_text(campaign, wave)
    db.session.add(wave)
    note = _("%(n)d차 알림 추가", n=number)
    record_transition(
        campaign.id, "reminder_added", campaign.status, campaign.status, actor=actor, note=note
    )
    db.session.commit()
    return wave, measured


def remove_reminder(campaign: Campaign, *, actor: User, number: int) -> None:
    """Remove a reminder that has not gone yet; commits."""
    _may_change(campaign, actor)
    wave = db.session.scalar(
        select(CampaignWave).where(
            CampaignWave.campaign_id == campaign.id, CampaignWave.number == number
        )
    )
    if wave is None:
        raise NotFound(_("그런 알림이 없습니다."))
    if wave.status is not WaveStatus.SCHEDULED:
        raise Conflict(_("이미 보낸 알림은 지울 수 없습니다."))
    db.session.delete(wave)
    note = _("%(n)d차 알림 삭제", n=number)
    record_transition(
        campaign.id, "reminder_removed", campaign.status, campaign.status, actor=actor, note=note
    )
    db.session.commit()


def waves_of(campaign: Campaign):
    return db.session.scalars(
        select(CampaignWave)
        .where(CampaignWave.campaign_id == campaign.id)
        .order_by(CampaignWave.number)
    )


def wave_rows(campaign: Campaign) -> list[WaveRow]:
    """Each reminder: when it goes, to how many (live until it went), who answered after it."""
    rows = []
    for wave in waves_of(campaign):
        if wave.status is WaveStatus.SENT:
            recipients = db.session.scalar(
                select(func.count()).where(
                    Message.campaign_id == campaign.id, Message.wave == wave.number
                )
            )
            after = answered_after(campaign, wave.number)
        else:
            query = audience_for(campaign, wave).subquery()
            recipients, after = db.session.scalar(select(func.count()).select_from(query)), None
        rows.append(WaveRow(wave, wave.due_at(_base(campaign)), recipients, after))
    return rows
