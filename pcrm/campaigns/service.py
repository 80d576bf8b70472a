"""The campaign workflow: departments draft and request, the PR office reviews and schedules,
and sending can be paused, resumed or cancelled. Every transition goes in the audit trail."""

from collections.abc import Iterator
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import Select, select, update

from pcrm.auth.access import ensure_department
from pcrm.auth.models import User
from pcrm.auth.service import find_user
from pcrm.campaigns import notifications, results
from pcrm.campaigns.audit import record_transition
from pcrm.campaigns.invitation import survey_problem
from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.mailing import check_renders
from pcrm.campaigns.models import EDITABLE, Campaign, CampaignKind, CampaignStatus, Delivery
from pcrm.campaigns.reconcile import reconcile_campaign
from pcrm.campaigns.recurrence import SEOUL, BadRule, first_occurrence
from pcrm.campaigns.sending import send_test_email
from pcrm.campaigns.sms_measure import check_sms
from pcrm.campaigns.templating import TemplateProblem
from pcrm.db import utcnow
from pcrm.errors import Conflict, Forbidden, Invalid
from pcrm.extensions import db, queues
from pcrm.labels import label
from pcrm.messaging.models import Message, MessageStatus
from pcrm.projects.models import Project
from pcrm.projects.service import narrow_to_visible
from pcrm.queue import DEFAULT, URGENT
from pcrm.subscribers.service import record_export

SURVEY_FIELD = "survey"
AD_LABEL = "(광고)"
S = CampaignStatus


def visible_campaigns(user: User, status: CampaignStatus | None = None) -> Select:
    """Campaigns the user may see, newest first: department staff see their department's."""
    query = narrow_to_visible(select(Campaign).join(Project).order_by(Campaign.id.desc()), user)
    if status is not None:
        query = query.where(Campaign.status == status)
    return query


def _ensure_pr(user: User) -> None:
    if not user.sees_all_departments:
        raise Forbidden(_("공보담당관만 할 수 있습니다."))


def _move(campaign, to: CampaignStatus, action: str, actor, note: str = "", allowed=()) -> None:
    if allowed and campaign.status not in allowed:
        raise Conflict(
            _("지금 상태(%(status)s)에서는 할 수 없습니다.", status=label(campaign.status))
        )
    record_transition(campaign.id, action, campaign.status, to, actor=actor, note=note)
    campaign.status = to


def _requested_by(campaign: Campaign) -> User | None:
    """Who last asked for the campaign's review."""
    asked = [t for t in campaign.transitions if t.action == "requested"]
    return asked[-1].actor if asked else None


def _check_content(campaign: Campaign) -> None:
    if campaign.kind is CampaignKind.SURVEY:
        campaign.field_code = SURVEY_FIELD
    else:
        campaign.survey_id = None  # only a survey campaign carries a survey link
    problem = survey_problem(campaign)
    if problem:
        raise Invalid(problem)
    if campaign.recurrence:
        try:
            first_occurrence(campaign.recurrence, campaign.send_at or utcnow())
        except BadRule as error:
            raise Invalid(_("반복 규칙을 이해할 수 없습니다: %(e)s", e=error)) from None
    if campaign.delivery is not Delivery.SMS:
        _check_email(campaign)
    if campaign.texts:
        check_sms(campaign)


def _check_email(campaign: Campaign) -> None:
    if campaign.kind is CampaignKind.PROMOTIONAL and not campaign.subject.startswith(AD_LABEL):
        raise Invalid(_("광고성 메일은 제목이 「(광고)」로 시작해야 합니다 (정보통신망법 제50조)."))
    try:
        check_renders(campaign)
    except TemplateProblem as problem:
        message = _("제목이나 본문의 자리표시자를 확인하세요: %(e)s", e=problem)
        raise Invalid(message, field=problem.field or "body") from None


def _check_complete(campaign: Campaign) -> None:
    missing = []
    if campaign.segment_id is None:
        missing.append(_("대상 세그먼트"))
    if campaign.field_code is None:
        missing.append(_("분야"))
    if campaign.kind is CampaignKind.SURVEY and campaign.survey_id is None:
        missing.append(pgettext("a survey", "설문"))
    if campaign.delivery is not Delivery.SMS and not (
        campaign.subject.strip() and campaign.body.strip()
    ):
        missing.append(_("제목과 본문"))
    if campaign.texts and not campaign.sms_content()[1].strip():
        missing.append(_("문자 본문"))
    if missing:
        raise Invalid(_("요청하기 전에 채워 주세요: %(m)s", m=", ".join(missing)))


def create_campaign(*, actor: User, project: Project, **fields) -> Campaign:
    """A draft for one of the actor's projects; content checked, commits."""
    ensure_department(project.department_id, actor)
    campaign = Campaign(project=project, created_by_id=actor.id, status=S.DRAFT, **fields)
    _check_content(campaign)
    db.session.add(campaign)
    db.session.flush()
    record_transition(campaign.id, "created", None, S.DRAFT, actor=actor)
    db.session.commit()
    return campaign


def update_campaign(campaign: Campaign, *, actor: User, project: Project, **fields) -> Campaign:
    """Change a draft (or one sent back for changes); commits."""
    ensure_department(campaign.project.department_id, actor)
    ensure_department(project.department_id, actor)
    if campaign.status not in EDITABLE:
        raise Conflict(_("검토 중이거나 승인된 캠페인은 고칠 수 없습니다."))
    campaign.project = project
    for name, value in fields.items():
        setattr(campaign, name, value)
    _check_content(campaign)
    record_transition(campaign.id, "edited", campaign.status, campaign.status, actor=actor)
    db.session.commit()
    return campaign


def request_review(campaign: Campaign, *, actor: User, note: str = "") -> None:
    """Send a complete draft to the PR office; commits."""
    ensure_department(campaign.project.department_id, actor)
    _check_complete(campaign)
    _check_content(campaign)
    _move(campaign, S.REQUESTED, "requested", actor, note, allowed=EDITABLE)
    owed = notifications.owe_request_notices(campaign, requester=actor, note=note)
    db.session.commit()
    notifications.send(owed)


def comment(campaign: Campaign, *, actor: User, note: str) -> None:
    """A review comment in the trail, status unchanged; commits."""
    ensure_department(campaign.project.department_id, actor)
    if not note.strip():
        raise Invalid(_("의견을 적어 주세요."))
    record_transition(
        campaign.id, "comment", campaign.status, campaign.status, actor=actor, note=note
    )
    db.session.commit()


def _needs_reason(reason: str) -> None:
    if not reason.strip():
        raise Invalid(_("사유를 적어 주세요."))


def _decide(campaign: Campaign, to: CampaignStatus, action: str, actor: User, reason: str):
    """Send back or refuse a request, with the reason the department is told; commits."""
    _ensure_pr(actor)
    _needs_reason(reason)
    requester = _requested_by(campaign)
    _move(campaign, to, action, actor, reason, allowed=(S.REQUESTED,))
    owed = notifications.owe_decision_notices(
        campaign, action=action, reason=reason, requester=requester, actor=actor
    )
    db.session.commit()
    notifications.send(owed)


def request_changes(campaign: Campaign, *, actor: User, reason: str) -> None:
    _decide(campaign, S.CHANGES_REQUESTED, "changes_requested", actor, reason)


def reject(campaign: Campaign, *, actor: User, reason: str) -> None:
    _decide(campaign, S.REJECTED, "rejected", actor, reason)


def approve(
    campaign: Campaign, *, actor: User, send_at: datetime | None = None, note: str = ""
) -> None:
    """Approve and schedule (at `send_at`, else the requested time, else now); commits."""
    _ensure_pr(actor)
    requester = _requested_by(campaign)
    four_eyes = not current_app.config["CAMPAIGN_REQUESTER_MAY_APPROVE"]
    if four_eyes and requester is not None and requester.id == actor.id:
        raise Forbidden(_("검토를 요청한 사람은 승인할 수 없습니다. 다른 담당자가 승인하세요."))
    when = send_at or campaign.send_at or utcnow()
    if campaign.recurrence:
        when = first_occurrence(campaign.recurrence, when) or when
    problem = survey_problem(campaign, sending_at=max(when, utcnow()))
    if problem:
        raise Invalid(problem)
    _move(campaign, S.APPROVED, "approved", actor, note, allowed=(S.REQUESTED,))
    # The trail's note is read by people: the district's time, as every page shows times.
    note_time = when.astimezone(SEOUL)
    _move(campaign, S.SCHEDULED, "scheduled", actor, f"{note_time:%Y-%m-%d %H:%M} (서울 시각)")
    campaign.send_at, campaign.held_at = when, None
    owed = notifications.owe_decision_notices(
        campaign, action="approved", reason=note, requester=requester, actor=actor
    )
    db.session.commit()
    notifications.send(owed)
    if when <= utcnow():
        queues.enqueue(launch_due_campaigns, queue=URGENT)


def confirm_launch(campaign: Campaign, *, actor: User) -> None:
    """Send a campaign that was held because it was late, now; commits."""
    _ensure_pr(actor)
    if campaign.status is not S.SCHEDULED or campaign.held_at is None:
        raise Conflict(_("확인을 기다리는 캠페인이 아닙니다."))
    problem = survey_problem(campaign, sending_at=utcnow())
    if problem:
        raise Conflict(problem)
    record_transition(campaign.id, "confirmed", S.SCHEDULED, S.SCHEDULED, actor=actor)
    campaign.held_at, campaign.send_at = None, utcnow()
    db.session.commit()
    queues.enqueue(launch_due_campaigns, queue=URGENT)


def pause(campaign: Campaign, *, actor: User) -> None:
    """Stop sending after the message in hand; commits."""
    _ensure_pr(actor)
    _move(campaign, S.PAUSED, "paused", actor, allowed=(S.SENDING,))
    db.session.commit()


def resume(campaign: Campaign, *, actor: User) -> None:
    """Go on sending what is left; commits, then queues the batches."""
    _ensure_pr(actor)
    _move(campaign, S.SENDING, "resumed", actor, allowed=(S.PAUSED,))
    db.session.commit()
    queues.enqueue(reconcile_campaign, campaign.id, queue=DEFAULT)


def cancel(campaign: Campaign, *, actor: User, reason: str) -> None:
    """Cancel a scheduled or sending campaign: what is not sent stays unsent; commits."""
    _ensure_pr(actor)
    _needs_reason(reason)
    allowed = (S.APPROVED, S.SCHEDULED, S.SENDING, S.PAUSED)
    _move(campaign, S.CANCELLED, "cancelled", actor, reason, allowed=allowed)
    campaign.finished_at = utcnow()
    db.session.execute(
        update(Message)
        .where(Message.campaign_id == campaign.id, Message.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def send_test(campaign: Campaign, *, actor: User, address: str) -> None:
    """Queue a test e-mail of the campaign to an active staff member's address (URGENT:
    someone waits for it); the job gets the account's id, never the address."""
    ensure_department(campaign.project.department_id, actor)
    staff = find_user(address.strip())
    if staff is None or not staff.active:
        raise Invalid(_("테스트 메일은 사용 중인 직원 계정의 메일 주소로만 보낼 수 있습니다."))
    _check_content(campaign)
    db.session.rollback()  # _check_content may have set defaults: nothing here is saved
    queues.enqueue(send_test_email, campaign.id, staff.id, actor.name, queue=URGENT)


def export_results(
    campaign: Campaign, *, status: str | None, q: str | None, user: User
) -> Iterator[str]:
    """The filtered send results as CSV lines; names and addresses go in the access log first."""
    filters = ", ".join(f"{key}={value}" for key, value in (("status", status), ("q", q)) if value)
    what = _("발송 결과 내려받기: %(name)s", name=campaign.name)
    if filters:
        what += f" [{filters}]"
    masked = not user.sees_all_departments  # as the results page shows them
    if masked:
        what += " " + _("(가림 표시)")
    record_export(user=user, what=what, record_count=results.count(campaign.id, status=status, q=q))
    return results.export_rows(campaign.id, status=status, q=q, masked=masked)
