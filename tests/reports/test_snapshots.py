"""Stored report figures: the same as computed live, refreshed when something happened after
them, read by the pages (which say how fresh they are), recomputed on request."""

from sqlalchemy import select

from pcrm.auth.models import Role
from pcrm.campaigns.models import CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Event, EventKind, Message, MessageStatus
from pcrm.messaging.quiet_hours import SEOUL
from pcrm.reports import metrics, rollup, snapshots
from pcrm.reports.campaign import campaign_report
from pcrm.reports.models import ReportSnapshot
from pcrm.schedule import PERIODIC_JOBS
from tests.factories import create_department, create_project
from tests.reports.factories import known_campaign


def _answer_now(campaign) -> None:
    """Someone delivered who had not answered answers now."""
    answered = select(Message.subscriber_id).where(
        Message.campaign_id == campaign.id, Message.responded_at.is_not(None)
    )
    message = db.session.scalar(
        select(Message)
        .where(Message.campaign_id == campaign.id, Message.status == MessageStatus.SENT)
        .where(Message.subscriber_id.not_in(answered))
        .order_by(Message.id)
        .limit(1)
    )
    message.responded_at = utcnow()
    db.session.add(Event(message_id=message.id, campaign_id=campaign.id, machine=False,
                         kind=EventKind.RESPONSE, created_at=utcnow()))  # fmt: skip
    db.session.commit()


def test_stored_figures_are_the_live_figures(app):
    known = known_campaign()
    live = campaign_report(known.campaign)
    snapshots.refresh(known.campaign)
    db.session.expire_all()
    stored, as_of = snapshots.stored_report(known.campaign)
    assert as_of is not None
    for family in snapshots.FAMILIES:
        assert getattr(stored, family) == getattr(live, family), family
    assert snapshots.stored_funnels([known.campaign.id])[known.campaign.id].funnel == live.funnel


def test_the_job_refreshes_campaigns_whose_figures_are_behind(app):
    assert snapshots.refresh_due_snapshots in [job.func for job in PERIODIC_JOBS]
    known = known_campaign()
    cid = known.campaign.id
    assert cid in snapshots.due()  # launched, nothing stored yet
    assert snapshots.refresh_due_snapshots() >= 1
    assert cid not in snapshots.due()

    _answer_now(known.campaign)  # an event after the figures were computed
    assert cid in snapshots.due()
    before = snapshots.stored_funnels([cid])[cid].funnel
    snapshots.refresh_due_snapshots()
    assert snapshots.stored_funnels([cid])[cid].funnel.responded == before.responded + 1
    assert cid not in snapshots.due()

    known.campaign.status = CampaignStatus.SENDING  # while sending: every run
    db.session.commit()
    assert cid in snapshots.due()


def test_the_page_reads_stored_figures_says_when_and_recomputes_on_request(
    client, sign_in, csrf_token
):
    transport = create_department("교통행정과", "Transport")
    known = known_campaign(create_project(transport))
    cid = known.campaign.id
    sign_in(Role.DEPARTMENT, department=transport)
    path = f"/reports/campaigns/{cid}"
    assert "이 페이지를 연 지금 기준" in client.get(path).get_data(as_text=True)

    snapshots.refresh(known.campaign)
    _answer_now(known.campaign)
    html = client.get(path).get_data(as_text=True)
    assert "응답률 62.5%" in html and " 기준입니다" in html  # the stored 5 of 8, not the new answer
    assert metrics.funnel(cid).responded == 6  # live

    refused = client.post(f"{path}/refresh")  # no CSRF token: nothing recomputed
    assert refused.status_code == 400
    assert db.session.get(ReportSnapshot, cid).funnel["responded"] == 5

    done = client.post(f"{path}/refresh", data={"csrf_token": csrf_token(path)})
    assert done.status_code == 302
    html = client.get(path).get_data(as_text=True)
    assert "응답률 75.0%" in html  # 6 of 8


def test_other_departments_cannot_recompute(client, sign_in, csrf_token):
    transport = create_department("교통행정과", "Transport")
    culture = create_department("문화체육과", "Culture")
    known = known_campaign(create_project(transport))
    sign_in(Role.DEPARTMENT, department=culture)
    token = csrf_token("/")
    response = client.post(f"/reports/campaigns/{known.campaign.id}/refresh",
                           data={"csrf_token": token})  # fmt: skip
    assert response.status_code == 404
    assert db.session.get(ReportSnapshot, known.campaign.id) is None


def test_rollups_read_stored_funnels_and_count_the_rest_live(app):
    transport = create_department("교통행정과", "Transport")
    project = create_project(transport)
    stored = known_campaign(project, prefix="stored")
    live = known_campaign(project, prefix="live")
    snapshots.refresh(stored.campaign)
    _answer_now(stored.campaign)  # not yet in its stored figures
    _answer_now(live.campaign)  # counted now: nothing stored for it
    lines = {line.campaign.id: line.funnel for line in rollup.of_project(project)}
    assert lines[stored.campaign.id].responded == 5
    assert lines[live.campaign.id].responded == 6


def test_rollup_pages_say_how_fresh_their_figures_are(client, sign_in):
    transport = create_department("교통행정과", "Transport")
    project = create_project(transport)
    known = known_campaign(project)
    sign_in(Role.DEPARTMENT, department=transport)
    pages = (f"/reports/projects/{project.id}", f"/reports/departments/{transport.id}")
    for path in pages:
        assert "이 페이지를 연 지금 기준" in client.get(path).get_data(as_text=True)
    snapshots.refresh(known.campaign)
    computed = db.session.get(ReportSnapshot, known.campaign.id).computed_at
    seoul = computed.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert "가장 최근 계산은" in html and seoul in html
