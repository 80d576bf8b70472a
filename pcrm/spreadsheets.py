"""Writing CSV and XLSX that Excel opens safely: UTF-8 with a BOM, and no cell read as a formula.

A cell starting with = + - @ (or a tab or carriage return, which Excel strips first) is written
with a leading apostrophe, so `=cmd|' /C calc'!A0` arrives as text (OWASP CSV injection).
"""

import csv
import io
from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value):
    """The value as it should reach a spreadsheet: text that cannot start a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _line(row: Iterable) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([neutralise(value) for value in row])
    return buffer.getvalue()


def csv_stream(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text in pieces, for a streamed response; Excel reads the BOM as UTF-8."""
    yield BOM + _line(header)
    for row in rows:
        yield _line(row)


def csv_bytes(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """The whole CSV at once, for files small enough to build in memory."""
    return "".join(csv_stream(header, rows)).encode("utf-8")


Sheet = tuple[str, list[str], Iterable[Iterable]]


def xlsx_bytes(header: list[str], rows: Iterable[Iterable], title: str = "Sheet1") -> bytes:
    """An XLSX workbook of one sheet; every cell is written as a value, never a formula."""
    return xlsx_workbook([(title, header, rows)])


def xlsx_workbook(sheets: Iterable[Sheet]) -> bytes:
    """An XLSX workbook of (title, header, rows) sheets, in order."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(header)
        for row in rows:
            cells = [neutralise(value) for value in row]
            sheet.append(
                [ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in cells]
            )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
