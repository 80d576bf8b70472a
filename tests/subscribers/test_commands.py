"""`pcrm subscribers import` and `export`: refusals in the command line's words, round trips."""

import csv
import io

import pytest
from openpyxl import load_workbook

from pcrm.extensions import db
from pcrm.subscribers.access_log import COMMAND_LINE
from pcrm.subscribers.models import AccessAction, AccessLog, Channel, Kind, Subscriber
from tests.subscribers.factories import create_subscriber

pytestmark = pytest.mark.usefixtures("app")
SOURCE = "서면 신청서, 마장동 주민센터, 2015-03"


def registry_rows() -> list[list[str]]:
    """What the registry holds, as the export writes it: id, kind, name, e-mail, consents."""
    people = db.session.scalars(db.select(Subscriber).order_by(Subscriber.id))
    return [
        [str(s.id), s.kind.value, s.name, s.email or "", "Y" if s.email_opt_in else "N",
         "Y" if s.sms_opt_in else "N"]
        for s in people
    ]  # fmt: skip


def picked(rows) -> list[list[str]]:
    """The export's columns that registry_rows() holds (번호, 구분, 이름, 이메일, 수신 둘)."""
    return [[str(r[i] or "") for i in (0, 1, 2, 3, 13, 14)] for r in rows]


@pytest.fixture
def registry():
    create_subscriber("김민서", email="minseo@example.com", phone="+821012345678")
    create_subscriber(
        "마장상사", email="office@example.com", phone=None, kind=Kind.BUSINESS,
        channels={Channel.EMAIL},
    )  # fmt: skip
    create_subscriber("=박지현", email=None, phone="+821098765432", channels={Channel.SMS})


def test_export_csv_round_trips_the_registry_and_is_logged(runner, tmp_path, registry):
    path = tmp_path / "명단.csv"
    result = runner.invoke(args=["subscribers", "export", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 subscribers written" in result.output
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["번호", "구분", "이름"]
    assert rows[3][2] == "'=박지현"  # a name that starts with "=" arrives as text
    rows[3][2] = "=박지현"
    assert picked(rows[1:]) == registry_rows()
    (entry,) = db.session.scalars(db.select(AccessLog)).all()
    assert (entry.action, entry.actor, entry.record_count) == (
        AccessAction.EXPORT,
        COMMAND_LINE,
        3,
    )


def test_export_xlsx_round_trips_and_narrows_like_the_staff_page(runner, tmp_path, registry):
    path = tmp_path / "명단.xlsx"
    result = runner.invoke(args=["subscribers", "export", str(path)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)][1:]
    assert rows[2][2] == "'=박지현"
    rows[2][2] = "=박지현"
    assert picked(rows) == registry_rows()
    narrowed = tmp_path / "business.xlsx"
    result = runner.invoke(args=["subscribers", "export", str(narrowed), "--kind", "business"])
    assert result.exit_code == 0 and "1 subscribers written" in result.output
    sheet = load_workbook(narrowed, read_only=True).worksheets[0]
    assert [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["마장상사"]


@pytest.mark.parametrize("name", ["명단.txt", "명단", "명단.xls"])
def test_export_refuses_a_file_name_it_cannot_write(runner, tmp_path, name):
    result = runner.invoke(args=["subscribers", "export", str(tmp_path / name)])
    assert result.exit_code != 0 and "must end in .csv or .xlsx" in result.output
    assert list(tmp_path.iterdir()) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(AccessLog)) == 0


def test_export_refuses_an_unknown_field_naming_the_known_ones(runner, tmp_path):
    result = runner.invoke(args=["subscribers", "export", str(tmp_path / "a.csv"), "--field", "x"])
    assert result.exit_code != 0 and "unknown field x" in result.output
    assert "survey" in result.output


def test_the_command_line_names_the_values_it_takes(runner, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("이름,이메일,비고\n김,k@example.com,메모\n", encoding="utf-8")
    result = runner.invoke(args=["subscribers", "import", str(path), "--source", SOURCE])
    assert result.exit_code != 0
    assert "--mapping" in result.output and "비고" in result.output
    assert "'머리글=ignore'" in result.output and "가져오지 않음" not in result.output
    twice = runner.invoke(
        args=["subscribers", "import", str(path), "--source", SOURCE, "--mapping", "비고=email"]
    )
    assert "한 항목에 두 열을 고를 수 없습니다: email" in twice.output
    unknown = runner.invoke(
        args=["subscribers", "import", str(path), "--source", SOURCE, "--mapping", "비고=memo"]
    )
    assert "memo" in unknown.output and "guardian_consent" in unknown.output


def test_import_then_export_shows_what_the_import_recorded(runner, tmp_path):
    source = tmp_path / "list.csv"
    source.write_bytes(
        "성명,전자우편,휴대폰,구분,수신채널\n마장상사,office@example.com,010-1111-2222,사업자,문자\n"
        .encode("cp949")
    )  # fmt: skip
    result = runner.invoke(args=["subscribers", "import", str(source), "--source", SOURCE])
    assert result.exit_code == 0, result.output
    path = tmp_path / "out.csv"
    assert runner.invoke(args=["subscribers", "export", str(path)]).exit_code == 0
    (row,) = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))[1:]
    assert (row[1], row[2], row[13], row[14]) == ("business", "마장상사", "N", "Y")


def test_the_command_line_fails_on_a_file_over_the_row_limit(app, runner, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("이름,이메일\n" + "".join(f"김,k{n}@example.com\n" for n in range(6)))
    saved, app.config["IMPORT_MAX_ROWS"] = app.config["IMPORT_MAX_ROWS"], 5
    try:
        result = runner.invoke(args=["subscribers", "import", str(path), "--source", SOURCE])
    finally:
        app.config["IMPORT_MAX_ROWS"] = saved
    assert result.exit_code != 0 and "5행까지" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscriber)) == 0
