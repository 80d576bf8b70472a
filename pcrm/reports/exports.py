"""Report tables as files: one table as CSV, every table of a report as one XLSX workbook."""

from flask import Response

from pcrm.reports.tables import Table, file_rows
from pcrm.spreadsheets import csv_bytes, xlsx_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, mimetype: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, mimetype=mimetype, headers=headers)


def csv_file(table: Table, name: str) -> Response:
    return _download(csv_bytes(table.header, file_rows(table)), "text/csv; charset=utf-8", name)


def xlsx_file(tables: list[Table], name: str) -> Response:
    sheets = [(table.title, table.header, file_rows(table)) for table in tables]
    return _download(xlsx_workbook(sheets), XLSX, name)
