"""The campaign report page and its exports: figures, department isolation, empty states."""

import io

import pytest
from openpyxl import load_workbook

from pcrm.auth.models import Role
from tests.campaigns.factories import create_campaign
from tests.factories import create_department, create_project
from tests.reports.factories import known_campaign


@pytest.fixture
def departments(app):
    return create_department("교통행정과", "Transport"), create_department("문화체육과", "Culture")


def test_pr_staff_read_the_report_with_charts_and_tables(client, sign_in, departments):
    known = known_campaign(create_project(departments[0]))
    sign_in(Role.PR)
    page = client.get(f"/reports/campaigns/{known.campaign.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "응답률 62.5%" in html  # 5 of 8 delivered
    assert "62.5% (5/8)" in html and "50.0% (5/10)" in html and "57.1% (4/7)" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') >= 8
    assert "https://www.sd.go.kr/bus" in html and "1차 알림" in html
    assert "<script" not in html.split("<main", 1)[1]


def test_department_staff_see_only_their_department(client, sign_in, departments):
    transport, culture = departments
    known = known_campaign(create_project(transport))
    sign_in(Role.DEPARTMENT, department=culture)
    cid = known.campaign.id
    for path in (f"/reports/campaigns/{cid}", f"/reports/campaigns/{cid}/funnel.csv",
                 f"/reports/campaigns/{cid}/report.xlsx"):  # fmt: skip
        assert client.get(path).status_code == 404, path


def test_own_department_exports_csv_and_xlsx(client, sign_in, departments):
    transport = departments[0]
    known = known_campaign(create_project(transport))
    sign_in(Role.DEPARTMENT, department=transport)
    cid = known.campaign.id
    csv = client.get(f"/reports/campaigns/{cid}/waves.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[2].startswith("1차 알림,문자,") and ",3,5," in lines[2]
    assert client.get(f"/reports/campaigns/{cid}/nothing.csv").status_code == 404
    workbook = load_workbook(io.BytesIO(client.get(f"/reports/campaigns/{cid}/report.xlsx").data))
    funnel = workbook["단계별 사람 수"]
    assert [row[1].value for row in funnel.iter_rows(min_row=2)] == [10, 9, 8, 4, 3, 5, 5]


def test_nothing_sent_yet_says_so(client, sign_in, departments):
    campaign = create_campaign(create_project(departments[0]))
    sign_in(Role.PR)
    html = client.get(f"/reports/campaigns/{campaign.id}").get_data(as_text=True)
    assert "아직 보낸 메시지가 없습니다" in html and "응답률" not in html.split("<main", 1)[1]
