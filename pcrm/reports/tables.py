"""A report as tables (the page, CSV and XLSX show the same rows) with the chart of each."""

from dataclasses import dataclass, field

from markupsafe import Markup


@dataclass(frozen=True)
class Table:
    key: str  # the file name of its export
    title: str
    header: list[str]
    rows: list[list]
    chart: Markup | None = None
    note: str = ""
    empty: str = ""  # what the page says when there are no rows
    numeric: set[int] = field(default_factory=set)  # columns aligned as numbers


def table_named(tables: list[Table], key: str) -> Table | None:
    return next((table for table in tables if table.key == key), None)
