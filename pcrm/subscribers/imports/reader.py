"""Reading an uploaded table: CSV in UTF-8 (with or without BOM) or CP949/EUC-KR, or XLSX.

Rows are numbered as a spreadsheet shows them (the header is row 1) so the report can point a
person at the exact row.
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from pcrm.errors import Invalid

MAX_ROWS = 200_000
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = (",", "\t", ";")


@dataclass(frozen=True)
class Row:
    number: int
    cells: list[str]
    extra: bool = False  # more cells than headers: the row is not trusted


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]
    encoding: str


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
    return str(value).strip()


def _blank(cells: list[str]) -> bool:
    return not any(cells)


def _headers(raw: list[str]) -> list[str]:
    headers = [cell.strip() for cell in raw]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise Invalid(_("첫 행에 머리글(열 이름)이 없습니다."))
    return [h or _("(%(n)d열)", n=i + 1) for i, h in enumerate(headers)]


def _table(records: list[list[str]], encoding: str) -> Table:
    if not records:
        raise Invalid(_("빈 파일입니다."))
    headers = _headers(records[0])
    while len(records) > 1 and _blank(records[-1]):
        records.pop()
    if len(records) - 1 > MAX_ROWS:
        raise Invalid(
            _("행이 너무 많습니다: 한 번에 %(n)s행까지 가져올 수 있습니다.", n=f"{MAX_ROWS:,}")
        )
    width = len(headers)
    rows = []
    for number, cells in enumerate(records[1:], start=2):
        extra = len(cells) > width and any(cells[width:])
        rows.append(Row(number, (cells + [""] * width)[:width], extra))
    return Table(headers, rows, encoding)


def decode(content: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 first (strict), then CP949 as Korean Excel."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise Invalid(
        _(
            "파일의 문자 인코딩을 알 수 없습니다. "
            "UTF-8 또는 CP949(EUC-KR) CSV나 XLSX로 저장해 주세요."
        )
    )


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max(DELIMITERS, key=first.count)


def read_csv(content: bytes) -> Table:
    text, encoding = decode(content)
    if "\x00" in text:
        raise Invalid(_("CSV 파일이 아닙니다 (NUL 문자가 들어 있습니다)."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=False)
    try:
        records = [[cell.strip() for cell in record] for record in reader]
    except csv.Error as error:
        raise Invalid(
            _("CSV %(n)d행을 읽을 수 없습니다: %(e)s", n=reader.line_num, e=error)
        ) from None
    return _table(records, "utf-8" if encoding == "utf-8-sig" else encoding)


def read_xlsx(content: bytes) -> Table:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise Invalid(
            _("XLSX 파일을 열 수 없습니다. 파일이 손상되었거나 다른 형식입니다.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        records = [[_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return _table(records, "xlsx")


def read_table(content: bytes) -> Table:
    """Parse the file, or raise Invalid with what is wrong and how to fix it."""
    if not content:
        raise Invalid(_("빈 파일입니다."))
    if content.startswith(XLS_MAGIC):
        raise Invalid(_("Excel 97-2003(XLS) 파일은 읽을 수 없습니다. XLSX나 CSV로 저장해 주세요."))
    if content.startswith(XLSX_MAGIC):
        return read_xlsx(content)
    return read_csv(content)
