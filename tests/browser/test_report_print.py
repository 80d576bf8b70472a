"""The department's result report printed to PDF by Chromium: A4 pages, whole text, no site
chrome; and the report pages' charts and tables checked by axe-core."""

import io

import pytest
from pypdf import PdfReader

from tests.factories import create_department, create_project
from tests.reports.factories import known_campaign
from tests.surveys.factories import THIS_YEAR, answer_as, create_subscriber

pytestmark = pytest.mark.browser

A4 = (595.3, 841.9)  # points; the page size comes from the report's own @page rule


@pytest.fixture
def department(app):
    transport = create_department("교통행정과", "Transport")
    known = known_campaign(create_project(transport))
    survey = known.campaign.survey
    for n in range(3):
        answer_as(survey, create_subscriber(THIS_YEAR - 40, None, f"응답자{n}"), "예", 4)
    return transport, known.campaign


def test_result_report_prints_on_a4(staff_page, department):
    transport, _campaign = department
    staff_page.goto(f"/reports/departments/{transport.id}/print")
    staff_page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(staff_page.pdf(prefer_css_page_size=True)))
    assert 1 <= len(reader.pages) <= 4
    for page in reader.pages:
        width, height = (float(n) for n in page.mediabox.upper_right)
        assert abs(width - A4[0]) <= 2 and abs(height - A4[1]) <= 2, (width, height)
    # pypdf spaces Korean words apart unevenly: compare without white space.
    text = "".join("".join(page.extract_text() for page in reader.pages).split())
    assert "교통행정과설문결과보고서" in text and "알려진캠페인" in text
    assert "대상대비응답률" not in text  # a campaign's rate table is not part of this report
    assert "마을버스를이용하십니까?" in text and "응답3건" in text
    assert "로그아웃" not in text and "본문바로가기" not in text  # no site chrome in print


def test_report_pages_are_accessible(staff_page, department, assert_accessible):
    transport, campaign = department
    paths = (
        f"/reports/campaigns/{campaign.id}",
        f"/reports/projects/{campaign.project_id}",
        f"/reports/departments/{transport.id}",
        f"/reports/departments/{transport.id}/print",
        "/reports/district",
    )
    assert_accessible(staff_page, paths)
