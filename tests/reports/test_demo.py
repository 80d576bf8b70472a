"""The demo office's reports: every sent campaign, project and department has figures."""

from sqlalchemy import select

from pcrm.auth.models import Role
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.demo import load_demo
from pcrm.extensions import db
from pcrm.reports import metrics, snapshots, waves


def test_demo_reports_show_reach_waves_and_answers(app, client, sign_in):
    load_demo(subscribers=1500, seed=7)
    sent = db.session.scalars(select(Campaign).where(Campaign.status == CampaignStatus.SENT)).all()
    assert len({c.project.department_id for c in sent}) >= 3
    for campaign in sent:
        funnel = metrics.funnel(campaign.id)
        assert snapshots.stored_funnels([campaign.id])[campaign.id].funnel == funnel
        assert funnel.delivered and funnel.responded <= funnel.delivered <= funnel.sent
    assert any(len(waves.waves(c.id)) == 2 for c in sent)  # the SMS reminder went
    sign_in(Role.PR)
    paths = ["/reports/district", *(f"/reports/campaigns/{c.id}" for c in sent)]
    paths += [f"/reports/departments/{c.project.department_id}/print" for c in sent]
    for path in paths:
        page = client.get(path)
        assert page.status_code == 200, path
        assert "응답률" in page.get_data(as_text=True), path
        if "/campaigns/" in path:
            assert " 기준입니다" in page.get_data(as_text=True), path
