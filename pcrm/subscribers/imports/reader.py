"""Reading an uploaded table: CSV in UTF-8 (with or without BOM) or CP949/EUC-KR, or XLSX.

Rows are numbered as a spreadsheet shows them (the header is row 1) so the report can point a
person at the exact row. A web request reads only the head of a file (`read_head`); the whole
table is read once, by the import job (`read_table`), and refused past the row and column
limits before anything is written.
"""

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice

from defusedxml import DefusedXmlException
from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from pcrm.errors import Invalid

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = (",", "\t", ";")
# How much of each worksheet's XML a web request reads: the header and preview rows of any
# table within the column limit fit many times over.
HEAD_BYTES = 1024 * 1024
ROW_END = re.compile(rb"</(\w+:)?row>")
# What openpyxl and its XML parser raise on a damaged or hostile workbook.
XLSX_ERRORS = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError)
XLSX_ERRORS += (SyntaxError, EOFError, zipfile.LargeZipFile, zlib.error)


@dataclass(frozen=True)
class Limits:
    """How big a table an import takes (IMPORT_MAX_ROWS, IMPORT_MAX_COLUMNS)."""

    rows: int
    columns: int


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
    if isinstance(value, datetime) and value.time() != datetime.min.time():
        return value.isoformat(sep=" ")  # a time of day is kept (an SMS reply's arrival)
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


def _checked_headers(records: Iterator[list[str]], limits: Limits) -> list[str]:
    first = next(records, None)
    if first is None:
        raise Invalid(_("빈 파일입니다."))
    headers = _headers(first)
    if len(headers) > limits.columns:
        message = _("열이 너무 많습니다: 한 번에 %(n)s열까지 가져올 수 있습니다.")
        raise Invalid(message % {"n": f"{limits.columns:,}"})
    return headers


def _within(records: Iterator[list[str]], limits: Limits) -> list[list[str]]:
    """Every record, refused as soon as a non-blank one lies past the row limit."""
    kept = list(islice(records, limits.rows))
    for record in records:
        if not _blank(record):
            message = _("행이 너무 많습니다: 한 번에 %(n)s행까지 가져올 수 있습니다.")
            raise Invalid(message % {"n": f"{limits.rows:,}"})
    while kept and _blank(kept[-1]):
        kept.pop()
    return kept


def _table(records: Iterator[list[str]], encoding: str, limits: Limits, head: int) -> Table:
    """The header and the rows (only the first `head` when head > 0), within the limits."""
    headers = _checked_headers(records, limits)
    body = list(islice(records, head)) if head else _within(records, limits)
    width = len(headers)
    rows = []
    for number, cells in enumerate(body, start=2):
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


def _csv_records(content: bytes) -> tuple[Iterator[list[str]], str]:
    text, encoding = decode(content)
    if "\x00" in text:
        raise Invalid(_("CSV 파일이 아닙니다 (NUL 문자가 들어 있습니다)."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=False)

    def records() -> Iterator[list[str]]:
        try:
            for record in reader:
                yield [cell.strip() for cell in record]
        except csv.Error as error:
            message = _("CSV %(n)d행을 읽을 수 없습니다: %(e)s")
            raise Invalid(message % {"n": reader.line_num, "e": error}) from None

    return records(), "utf-8" if encoding == "utf-8-sig" else encoding


def _causes(error: BaseException | None) -> Iterator[BaseException]:
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def _unreadable_xlsx(error: Exception) -> Invalid:
    # openpyxl wraps the parser's refusal in its own ValueError.
    if any(isinstance(cause, DefusedXmlException) for cause in _causes(error)):
        # Entity declarations (billion laughs, external entities) never come from Excel.
        return Invalid(
            _(
                "XLSX 파일에 허용하지 않는 XML 선언(DTD·엔티티)이 있어 읽지 않았습니다. "
                "Excel에서 새 통합 문서로 다시 저장해 주세요."
            )
        )
    return Invalid(_("XLSX 파일을 열 수 없습니다. 파일이 손상되었거나 다른 형식입니다."))


def _sheet_head(source: zipfile.ZipFile, item: zipfile.ZipInfo, limits: Limits) -> bytes:
    """The worksheet's XML up to the last whole row within HEAD_BYTES, closed again."""
    with source.open(item) as stream:
        xml = stream.read(HEAD_BYTES)
    if len(xml) < HEAD_BYTES:
        return xml
    ends = list(ROW_END.finditer(xml))
    if not ends:  # not even the header row fits: far more columns than allowed
        message = _("열이 너무 많습니다: 한 번에 %(n)s열까지 가져올 수 있습니다.")
        raise Invalid(message % {"n": f"{limits.columns:,}"})
    prefix = ends[-1].group(1) or b""
    return xml[: ends[-1].end()] + b"</%ssheetData></%sworksheet>" % (prefix, prefix)


def _xlsx_head(content: bytes, limits: Limits) -> bytes:
    """The workbook with every worksheet cut to its head. openpyxl reads a sheet that does not
    declare its size (no <dimension>) to the end just to open the workbook: 51 s for a
    200 x 16,000 sheet, which a web request must not spend."""
    source, output = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(output, "w") as head:
        for item in source.infolist():
            if item.filename.startswith("xl/worksheets/") and item.filename.endswith(".xml"):
                head.writestr(item.filename, _sheet_head(source, item, limits))
            else:
                head.writestr(item.filename, source.read(item))
    return output.getvalue()


def _xlsx_records(content: bytes, limits: Limits) -> Iterator[list[str]]:
    """The first sheet's rows, read as a stream; a damaged or hostile part is refused."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except XLSX_ERRORS as error:
        raise _unreadable_xlsx(error) from None
    try:
        sheet = workbook.worksheets[0]
        # One column past the limit shows a header over it, without padding every row to a
        # width the file declares (16,384 columns in the worst case).
        for values in sheet.iter_rows(values_only=True, max_col=limits.columns + 1):
            yield [_text(value) for value in values]
    except XLSX_ERRORS as error:
        raise _unreadable_xlsx(error) from None
    finally:
        workbook.close()


def _records(content: bytes, limits: Limits) -> tuple[Iterator[list[str]], str]:
    if not content:
        raise Invalid(_("빈 파일입니다."))
    if content.startswith(XLS_MAGIC):
        raise Invalid(_("Excel 97-2003(XLS) 파일은 읽을 수 없습니다. XLSX나 CSV로 저장해 주세요."))
    if content.startswith(XLSX_MAGIC):
        return _xlsx_records(content, limits), "xlsx"
    return _csv_records(content)


def read_head(content: bytes, limits: Limits, rows: int) -> Table:
    """The header and the first `rows` rows only: what a web request may read of an upload."""
    if content.startswith(XLSX_MAGIC):
        try:
            content = _xlsx_head(content, limits)
        except XLSX_ERRORS as error:
            raise _unreadable_xlsx(error) from None
    records, encoding = _records(content, limits)
    return _table(records, encoding, limits, head=rows)


def read_table(content: bytes, limits: Limits) -> Table:
    """The whole table, or Invalid with what is wrong (a limit passed, a damaged file)."""
    records, encoding = _records(content, limits)
    return _table(records, encoding, limits, head=0)
