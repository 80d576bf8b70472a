"""The dashboard's "what needs me now", per role and department."""

from pcrm.auth.models import Role
from pcrm.campaigns.models import CampaignStatus
from pcrm.extensions import db
from tests.campaigns.factories import create_campaign
from tests.factories import create_department, create_project
from tests.reports.factories import known_campaign


def test_pr_staff_see_requests_sending_and_latest_results(client, sign_in, app):
    transport = create_department("교통행정과", "Transport")
    bus = create_project(transport)
    known = known_campaign(bus)
    create_campaign(bus, name="검토 요청 캠페인", status=CampaignStatus.REQUESTED)
    sending = known_campaign(bus, prefix="live").campaign
    sending.name, sending.status = "보내는 중 캠페인", CampaignStatus.SENDING
    db.session.commit()
    sign_in(Role.PR)
    html = client.get("/").get_data(as_text=True)
    assert "검토를 기다리는 요청 1건" in html
    assert "보내는 중 캠페인" in html and "처리 16 / 전체 16" in html
    assert "확인할 반송 주소가 없습니다" in html
    assert f"/reports/campaigns/{known.campaign.id}" in html and "62.5% (5/8)" in html


def test_department_staff_see_their_own_campaigns_only(client, sign_in, app):
    transport = create_department("교통행정과", "Transport")
    culture = create_department("문화체육과", "Culture")
    known_campaign(create_project(transport), prefix="bus")
    create_campaign(create_project(culture, "개나리 축제"), name="축제 초안")
    sign_in(Role.DEPARTMENT, department=culture)
    html = client.get("/").get_data(as_text=True)
    assert "축제 초안" in html and "우리 부서 캠페인과 상태" in html
    assert "알려진 캠페인" not in html and "반송 주소" not in html
