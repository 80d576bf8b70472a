"""Uploads: hostile XLSX refused, big sheets read once by the job within limits, nothing lost."""

import io
import re
import time
import zipfile

import pytest
from openpyxl import Workbook

from pcrm.extensions import db
from pcrm.queue import DEFAULT
from pcrm.subscribers.imports import reader
from pcrm.subscribers.imports.models import ImportBatch, ImportRow, ImportStatus
from pcrm.subscribers.models import Subscriber
from pcrm.worker import run_worker
from tests.factories import create_user

HEADER = ["이름", "이메일", "휴대전화"]


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def xlsx(rows: int, columns: int = 3) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append((HEADER + [f"비고{i}" for i in range(columns - 3)])[:columns])
    for n in range(rows):
        sheet.append([f"주민{n}", f"p{n}@example.com", f"010-{n // 10000:04d}-{n % 10000:04d}"])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def rewrite_sheet(content: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through `change`."""
    source, output = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            target.writestr(item, data)
    return output.getvalue()


def upload(client, content: bytes, filename: str = "명단.xlsx"):
    page = client.get("/subscribers/imports/").get_data(as_text=True)
    return client.post(
        "/subscribers/imports/",
        data={"csrf_token": _token(page), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def start(client, mapping_url: str):
    page = client.get(mapping_url).get_data(as_text=True)
    form = {"csrf_token": _token(page), "col_0": "name", "col_1": "email", "col_2": "phone",
            "source": "서면 신청서", "grant_channels": "y", "action": "start"}  # fmt: skip
    return client.post(mapping_url, data=form)


@pytest.fixture
def pr_staff(client, auth):
    create_user("pr@example.kr")
    auth.login("pr@example.kr")


@pytest.fixture
def small_limits(app):
    saved = app.config["IMPORT_MAX_ROWS"], app.config["IMPORT_MAX_COLUMNS"]
    app.config["IMPORT_MAX_ROWS"], app.config["IMPORT_MAX_COLUMNS"] = 100, 30
    yield
    app.config["IMPORT_MAX_ROWS"], app.config["IMPORT_MAX_COLUMNS"] = saved


@pytest.fixture
def rows_read(monkeypatch):
    """How many sheet rows have been read so far."""
    count = [0]
    original = reader._xlsx_records

    def counting(content, limits):
        for record in original(content, limits):
            count[0] += 1
            yield record

    monkeypatch.setattr(reader, "_xlsx_records", counting)
    return count


def test_an_xlsx_with_entity_declarations_is_refused_with_a_message(client, pr_staff):
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'

    def declare(xml: bytes) -> bytes:
        return bomb.encode() + xml.replace(b"\xec\xa3\xbc\xeb\xaf\xbc0", b"&b;", 1)

    response = upload(client, rewrite_sheet(xlsx(rows=3), declare))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "허용하지 않는 XML 선언" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(ImportBatch)) == 0


def test_an_oversized_sheet_is_refused_by_the_job_after_a_quick_upload(
    app, client, pr_staff, small_limits, rows_read
):
    started = time.perf_counter()
    response = upload(client, xlsx(rows=2000))
    mapping_url = response.headers["Location"]
    response = start(client, mapping_url)
    assert response.status_code == 302
    # The request read the header and the preview rows, never the whole sheet.
    assert rows_read[0] <= 3 * 21 and time.perf_counter() - started < 5
    run_worker(app, (DEFAULT,), with_scheduler=False, burst=True)
    page = client.get(mapping_url).get_data(as_text=True)
    assert "행이 너무 많습니다: 한 번에 100행까지 가져올 수 있습니다." in page
    assert "아무것도 가져오지 않았습니다" in page
    batch = db.session.scalars(db.select(ImportBatch)).one()
    assert batch.status is ImportStatus.FAILED and "100행" in batch.error
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscriber)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(ImportRow)) == 0


def test_too_many_columns_are_refused_at_upload_naming_the_limit(client, pr_staff, small_limits):
    page = upload(client, xlsx(rows=2, columns=40)).get_data(as_text=True)
    assert "열이 너무 많습니다: 한 번에 30열까지 가져올 수 있습니다." in page


def test_a_sheet_damaged_past_the_preview_fails_in_the_job_and_writes_nothing(
    app, client, pr_staff, monkeypatch
):
    monkeypatch.setattr(reader, "HEAD_BYTES", 64 * 1024)  # what a request reads of a sheet

    def cut(xml: bytes) -> bytes:
        return xml[: len(xml) * 3 // 4]  # the end of the sheet, past that head, is missing

    response = upload(client, rewrite_sheet(xlsx(rows=2000), cut))
    mapping_url = response.headers["Location"]
    assert start(client, mapping_url).status_code == 302
    run_worker(app, (DEFAULT,), with_scheduler=False, burst=True)
    page = client.get(mapping_url).get_data(as_text=True)
    assert "XLSX 파일을 열 수 없습니다" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscriber)) == 0
    report = client.get(f"{mapping_url}/report.csv")
    assert report.status_code == 200
