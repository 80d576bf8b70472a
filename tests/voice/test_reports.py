"""The figures in the offices' shape: counts by outcome, the share answered, the median time
to answer and the late rate, per month in Seoul, department and officer; CSV and XLSX."""

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl
import time_machine

from pcrm.auth.models import Role
from pcrm.voice import handling, privacy, reports
from pcrm.voice.models import Outcome
from tests.factories import create_department, create_user
from tests.voice.helpers import create_item, name_officer

# 31 Jan 16:00 UTC is 1 Feb 01:00 in Seoul: a February item.
FEB = datetime(2026, 1, 31, 16, 0, tzinfo=UTC)


def _scene():
    pr = create_user("pr@example.kr", role=Role.PR)
    roads = create_department("도로과", "Roads")
    officer = create_user("roads@example.kr", role=Role.DEPARTMENT, department=roads)
    name_officer(roads, officer, head=True)
    with time_machine.travel(FEB, tick=False):
        on_time, late, open_one, info, duplicate = (create_item() for _ in range(5))
    for item in (on_time, late, open_one):
        handling.assign(item, user=pr, department_id=roads.id, officer_id=officer.id)
    with time_machine.travel(FEB + timedelta(days=2), tick=False):
        handling.submit_answer(on_time, user=officer, outcome=Outcome.RESOLVED, answer="고침")
        handling.approve(on_time, user=pr)
        handling.answer_directly(info, user=pr, answer="안내")
        handling.merge(duplicate, user=pr, into_id=info.id)
    with time_machine.travel(FEB + timedelta(days=20), tick=False):
        handling.submit_answer(
            late, user=officer, outcome=Outcome.REFUSED, answer="불가", reason="예산"
        )
        handling.approve(late, user=pr)
    return pr, officer


def test_the_report_counts_in_the_offices_shape(app):
    pr, officer = _scene()
    with time_machine.travel(FEB + timedelta(days=30), tick=False):
        rows, total = reports.report(pr, year=2026, grouping="month")
    [february] = rows
    assert february.name == "2026-02" and february.received == 4  # the duplicate is not counted
    assert reports.cells(february)[1:8] == [4, 1, 1, 1, 0, 0, 1]
    assert february.late == 2  # answered after the due date, and still open past it
    assert reports.cells(total)[8] == 75.0 and reports.cells(total)[10] == 50.0
    assert round(february.median_days, 1) == 2.0

    rows, _ = reports.report(officer, year=2026, grouping="department")
    assert [r.name for r in rows] == ["도로과"] and rows[0].received == 3  # their own only
    assert reports.report(pr, year=2025, grouping="month")[0] == []


def test_the_report_downloads_as_csv_and_xlsx(app, client, sign_in):
    _scene()
    sign_in(Role.ADMIN, email="admin@example.kr")
    response = client.get("/inbox/report.csv?year=2026&by=channel")
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][0] == "구분" and lines[-1][0] == "합계" and lines[-1][1] == "4"
    response = client.get("/inbox/report.xlsx?year=2026&by=officer")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.cell(1, 7).value == "주민 철회" and sheet.cell(1, 11).value == "지연율"
    assert "지연율" in client.get("/inbox/report?by=department").get_data(as_text=True)


def test_a_withdrawn_item_has_its_own_column_and_no_answer_figures(app):
    pr, _officer = _scene()
    with time_machine.travel(FEB, tick=False):
        withdrawn = create_item()
    with time_machine.travel(FEB + timedelta(days=1), tick=False):
        privacy.withdraw(withdrawn)
    with time_machine.travel(FEB + timedelta(days=30), tick=False):
        [february], _total = reports.report(pr, year=2026, grouping="month")
    columns = [str(c) for c in reports.COLUMNS]
    row = dict(zip(columns, reports.cells(february), strict=True))
    assert row["접수"] == 5 and row["주민 철회"] == 1 and row["처리 중"] == 1
    counted = ("정보 제공", "해결", "불가", "장기 추진", "주민 철회", "처리 중")
    assert sum(row[c] for c in counted) == row["접수"]  # every item in one column
    assert row["답변 비율"] == 75.0  # 3 answered of the 4 that could be
    assert round(february.median_days, 1) == 2.0 and len(february.hours) == 3
