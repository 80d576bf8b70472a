"""Project, department and district reports: campaigns side by side, isolation, empty states."""

import io

import pytest
from openpyxl import load_workbook

from pcrm.auth.models import Role
from pcrm.reports import metrics, rollup
from tests.campaigns.factories import create_campaign
from tests.factories import create_department, create_project
from tests.reports.factories import known_campaign


@pytest.fixture
def office(app):
    transport = create_department("교통행정과", "Transport")
    culture = create_department("문화체육과", "Culture")
    bus, festival = create_project(transport), create_project(culture, "개나리 축제")
    first = known_campaign(bus, prefix="first").campaign
    second = known_campaign(bus, prefix="second").campaign
    draft = create_campaign(bus, name="초안 캠페인")
    other = known_campaign(festival, prefix="other").campaign
    return {"transport": transport, "culture": culture, "bus": bus, "festival": festival,
            "campaigns": (first, second, draft, other)}  # fmt: skip


def test_funnels_of_many_campaigns_equal_each_alone(office):
    ids = [c.id for c in office["campaigns"]]
    together = metrics.funnels(ids)
    for campaign in office["campaigns"]:
        assert together.get(campaign.id, metrics.EMPTY) == metrics.funnel(campaign.id)
    assert office["campaigns"][2].id not in together  # nothing made yet


def test_sums_by_department_and_month(office):
    lines = rollup.of_department(None)
    assert len(lines) == 4
    sums = {s.key.name_ko: s for s in rollup.by_department(lines)}
    assert sums["교통행정과"].campaigns == 3
    assert (sums["교통행정과"].funnel.targeted, sums["교통행정과"].funnel.responded) == (20, 10)
    assert (sums["문화체육과"].funnel.delivered, sums["문화체육과"].funnel.responded) == (8, 5)
    (month,) = rollup.by_month(lines)  # the draft has no launch: not in the trend
    assert (month.key.isoformat(), month.campaigns, month.funnel.responded) == ("2026-11-01", 3, 15)


def test_project_page_lists_every_campaign_with_rates(client, sign_in, office):
    sign_in(Role.DEPARTMENT, department=office["transport"])
    html = client.get(f"/reports/projects/{office['bus'].id}").get_data(as_text=True)
    assert "응답률 62.5%" in html  # 10 of 16 delivered, both campaigns together
    assert html.count("알려진 캠페인") >= 2 and "초안 캠페인" in html
    assert "설문 결과" in html
    csv = client.get(f"/reports/projects/{office['bus'].id}/campaigns.csv").get_data(as_text=True)
    assert "초안 캠페인" in csv and "<a" not in csv


def test_department_page_and_its_workbook(client, sign_in, office):
    sign_in(Role.DEPARTMENT, department=office["transport"])
    department_id = office["transport"].id
    page = client.get(f"/reports/departments/{department_id}")
    assert page.status_code == 200 and "2026-11" in page.get_data(as_text=True)
    book = client.get(f"/reports/departments/{department_id}/report.xlsx")
    sheets = load_workbook(io.BytesIO(book.data)).sheetnames
    assert len(sheets) == 3


def test_department_staff_reach_only_their_department(client, sign_in, office):
    sign_in(Role.DEPARTMENT, department=office["culture"])
    transport, bus = office["transport"].id, office["bus"].id
    department = f"/reports/departments/{transport}"
    for path in (department, f"{department}/projects.csv", f"{department}/report.xlsx",
                 f"/reports/projects/{bus}", f"/reports/projects/{bus}/campaigns.csv",
                 "/reports/district", "/reports/district/departments.csv",
                 "/reports/district/report.xlsx"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    assert (
        client.get("/reports/")
        .headers["Location"]
        .endswith(f"/reports/departments/{office['culture'].id}")
    )


def test_district_compares_departments_with_the_baseline(client, sign_in, office):
    sign_in(Role.PR)
    assert client.get("/reports/").headers["Location"].endswith("/reports/district")
    html = client.get("/reports/district").get_data(as_text=True)
    assert "이전 시스템 (기준)" in html and "82%" in html and "9%" in html
    assert "88.9%" in html  # delivery 8 of 9 in each department
    csv = client.get("/reports/district/departments.csv").get_data(as_text=True)
    assert "교통행정과,3,20,16,10,62.5%,88.9%,57.1%,37.5%" in csv


def test_a_project_with_no_campaigns(client, sign_in, app):
    department = create_department()
    project = create_project(department, "빈 사업")
    sign_in(Role.PR)
    html = client.get(f"/reports/projects/{project.id}").get_data(as_text=True)
    assert "아직 발송한 캠페인이 없습니다" in html and "아직 캠페인이 없습니다" in html
    district = client.get("/reports/district")
    assert district.status_code == 200
