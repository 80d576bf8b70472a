"""Importing files: encodings, XLSX, mapping, merging duplicates, and a report for every row."""

import csv
import io

import pytest
from openpyxl import Workbook

from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.subscribers.imports import service
from pcrm.subscribers.imports.jobs import run_import
from pcrm.subscribers.imports.models import ImportRow, ImportStatus
from pcrm.subscribers.models import AddressStatus, ConsentEvent, Subscriber
from tests.subscribers.factories import create_subscriber

HEADER = "이름,이메일,휴대전화,출생연도,성별,동,관심분야\n"
ROWS = (
    "김민서,minseo@example.com,010-1234-5678,1985,여,마장동,여론조사\n"
    '박지현,JIHYUN@example.com,01098765432,1990,남,행당제1동,"문화공연, 건강정보"\n'
)
SOURCE = "서면 신청서, 마장동 주민센터, 2015-03"
pytestmark = pytest.mark.usefixtures("app")


def run(content: bytes, filename="list.csv", mapping=None, source=SOURCE, grant=True):
    batch = service.upload_import(filename=filename, content=content, user=None)
    service.start_import(
        batch, mapping=mapping or batch.mapping, source=source, grant_channels=grant, enqueue=False
    )
    run_import(batch.id)
    db.session.refresh(batch)
    return batch


def report(batch) -> list[list[str]]:
    body = "".join(service.import_report(batch, user=None).body)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def subscribers() -> dict[str, Subscriber]:
    return {s.name: s for s in db.session.scalars(db.select(Subscriber))}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949", "euc-kr"])
def test_csv_in_each_encoding_excel_writes(encoding):
    batch = run((HEADER + ROWS).encode(encoding))
    assert (batch.status, batch.created_count, batch.skipped_count) == (ImportStatus.DONE, 2, 0)
    people = subscribers()
    assert people["김민서"].phone == "+821012345678"
    assert people["박지현"].email == "jihyun@example.com"
    assert {f.code for f in people["박지현"].interests} == {"culture", "health"}
    assert people["김민서"].dong.name_ko == "마장동"


def test_xlsx_with_english_headers_and_numeric_cells():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "E-mail", "Mobile", "Birth year", "Interests"])
    sheet.append(["Kim Minseo", "kim@example.com", 1012345678, 1985, "survey; library"])
    sheet.append(['=HYPERLINK("http://evil")', "evil@example.com", None, None, "survey"])
    output = io.BytesIO()
    workbook.save(output)
    batch = run(output.getvalue(), filename="list.xlsx")
    people = subscribers()
    assert people["Kim Minseo"].phone == "+821012345678"
    assert {f.code for f in people["Kim Minseo"].interests} == {"survey", "library"}
    # A name that starts with "=" is a name: stored as typed, written back as text.
    assert people['=HYPERLINK("http://evil")'].email == "evil@example.com"
    rows = report(batch)
    assert rows[2][1] == "새로 등록" and rows[2][4] == '\'=HYPERLINK("http://evil")'


def test_the_three_ways_of_writing_a_number_are_one_subscriber():
    content = (
        "이름,휴대전화,관심분야\n"
        "김민서,010-1234-5678,여론조사\n"
        "김민서,01012345678,문화공연\n"
        "김민서,+82 10 1234 5678,\n"
    ).encode()
    batch = run(content)
    assert (batch.created_count, batch.updated_count, batch.skipped_count) == (1, 1, 1)
    (person,) = subscribers().values()
    assert {f.code for f in person.interests} == {"survey", "culture"}
    rows = report(batch)
    assert [r[1] for r in rows[1:]] == ["새로 등록", "기존 구독자에 합침", "건너뜀"]
    assert "같은 사람: 2행" in rows[2][2]


def test_merges_with_the_registry_and_records_the_batch_source():
    existing = create_subscriber(
        "김민서", email="minseo@example.com", phone=None, fields={"survey"}
    )
    batch = run(
        (
            "이름,이메일,휴대전화,관심분야\n김민서,MINSEO@example.com,010-5555-6666,건강정보\n"
        ).encode()
    )
    assert batch.updated_count == 1
    db.session.refresh(existing)
    assert existing.phone == "+821055556666" and existing.sms_opt_in
    assert {f.code for f in existing.interests} == {"survey", "health"}
    events = db.session.scalars(
        db.select(ConsentEvent).where(ConsentEvent.source == "import")
    ).all()
    assert {(e.field_code, e.channel) for e in events} == {("health", None), (None, "sms")}
    assert all(SOURCE in e.evidence and "2행" in e.evidence for e in events)


def test_a_registered_phone_number_finds_its_subscriber_however_it_is_written():
    existing = create_subscriber("박지현", email=None, phone="+821055556666", fields={"survey"})
    batch = run("이름,이메일,휴대전화\n박지현,jihyun@example.com,010 5555 6666\n".encode())
    assert (batch.created_count, batch.updated_count) == (0, 1)
    db.session.refresh(existing)
    assert existing.email == "jihyun@example.com"
    assert db.session.scalar(db.select(db.func.count(Subscriber.id))) == 1


def test_every_row_is_accounted_for_with_a_readable_reason():
    content = (
        "이름,이메일,휴대전화,출생연도,성별,동\n"
        "정상,ok@example.com,010-1111-2222,1980,여,마장동\n"
        "\n"
        "연락처없음,,,1980,,\n"
        "잘못된동,dong@example.com,,1980,여,강남동\n"
        "잘못된메일,not-an-address,010-3333-4444,,,\n"
        "유선,,02-2286-5114,,,\n"
        "칸많음,a@example.com,,,,,extra\n"
        "충돌,ok@example.com,010-3333-4444,,,\n"
    ).encode()
    batch = run(content)
    rows = report(batch)
    assert len(rows) - 1 == batch.total_rows == 8
    outcome = {r[4]: (r[1], r[2]) for r in rows[1:] if r[4]}
    assert outcome["정상"][0] == "새로 등록"
    assert outcome["연락처없음"] == ("건너뜀", "연락처(이메일 또는 휴대전화)가 없습니다")
    # An unknown dong leaves the dong blank; the contact and consent still count.
    assert outcome["잘못된동"][0] == "새로 등록"
    assert "동 값을 알 수 없어 비워 두었습니다: '강남동'" in outcome["잘못된동"][1]
    kept = db.session.scalars(db.select(Subscriber).where(Subscriber.name == "잘못된동")).one()
    assert kept.dong_id is None and kept.email == "dong@example.com" and kept.birth_year == 1980
    assert (
        outcome["잘못된메일"][0] == "새로 등록" and "잘못된 주소로 저장" in outcome["잘못된메일"][1]
    )
    assert outcome["유선"][0] == "새로 등록" and "휴대전화 번호가 아닙니다" in outcome["유선"][1]
    assert outcome["칸많음"][0] == "건너뜀" and "칸이 많습니다" in outcome["칸많음"][1]
    assert outcome["충돌"][0] == "건너뜀" and "확인이 필요합니다" in outcome["충돌"][1]
    assert rows[2][1:3] == ["건너뜀", "빈 행"]
    people = subscribers()
    assert people["잘못된메일"].email_status is AddressStatus.INVALID
    assert not people["잘못된메일"].email_opt_in and people["잘못된메일"].sms_opt_in
    assert people["유선"].phone_status is AddressStatus.INVALID and not people["유선"].sms_opt_in


def test_consent_columns_override_the_batch_default():
    content = (
        "이름,이메일,휴대전화,이메일수신,문자수신\n김,k@example.com,010-1111-2222,Y,N\n".encode()
    )
    run(content, grant=False)
    (person,) = subscribers().values()
    assert person.email_opt_in and not person.sms_opt_in


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "빈 파일"),
        (b"\xd0\xcf\x11\xe0rest-of-an-old-xls", "XLS"),
        (b"PK\x03\x04broken zip", "XLSX 파일을 열 수 없습니다"),
        ("이름,이메일\n".encode("utf-16"), "인코딩"),
        (b"\xff\xfe\x00\x00\x80\x81\x82", "인코딩"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_error(content, message):
    with pytest.raises(Invalid, match=message):
        service.upload_import(filename="bad.csv", content=content, user=None)


def test_an_oversized_file_is_refused(app):
    app.config["MAX_CONTENT_LENGTH"], saved = 100, app.config["MAX_CONTENT_LENGTH"]
    try:
        with pytest.raises(Invalid, match="너무 큽니다"):
            service.upload_import(filename="big.csv", content=b"x" * 101, user=None)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved


def test_unknown_headers_must_be_decided_before_starting():
    batch = service.upload_import(
        filename="a.csv", content="이름,이메일,비고\n김,k@example.com,메모\n".encode(), user=None
    )
    assert batch.mapping["2"] == ""
    with pytest.raises(Invalid, match="비고"):
        service.start_import(
            batch,
            mapping=batch.mapping,
            source=SOURCE,
            grant_channels=True,
            enqueue=False,
        )
    assert batch.status is ImportStatus.UPLOADED
    service.start_import(
        batch, mapping=batch.mapping | {"2": "ignore"}, source=SOURCE, grant_channels=True,
        enqueue=False,
    )  # fmt: skip
    assert batch.status is ImportStatus.QUEUED


def test_an_interrupted_import_says_so_and_resumes_without_doubling():
    batch = run((HEADER + ROWS).encode())
    # Pretend the second chunk never ran: drop a row's outcome, as after a crash mid-file.
    db.session.execute(db.delete(ImportRow).where(ImportRow.row_number == 3))
    batch.status = ImportStatus.FAILED
    db.session.commit()
    assert report(batch)[2][1] == "처리 안 됨"
    service.resume_import(batch)
    run_import(batch.id)
    db.session.refresh(batch)
    assert batch.status is ImportStatus.DONE
    assert len(subscribers()) == 2
    assert report(batch)[2][1] == "건너뜀"  # already registered by the first run


def test_command_line_import_prints_the_summary(runner, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes((HEADER + ROWS).encode("cp949"))
    report_path = tmp_path / "report.csv"
    result = runner.invoke(
        args=["subscribers", "import", str(path), "--source", SOURCE, "--report", str(report_path)]
    )
    assert result.exit_code == 0, result.output
    assert "2 rows: 2 created, 0 updated, 0 skipped (done)" in result.output
    assert report_path.read_text(encoding="utf-8-sig").count("새로 등록") == 2


def test_command_line_refuses_unknown_headers(runner, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("이름,이메일,비고\n김,k@example.com,메모\n", encoding="utf-8")
    result = runner.invoke(args=["subscribers", "import", str(path), "--source", SOURCE])
    assert result.exit_code != 0 and "비고" in result.output
    ok = runner.invoke(
        args=["subscribers", "import", str(path), "--source", SOURCE, "--mapping", "비고=ignore"]
    )
    assert ok.exit_code == 0, ok.output
