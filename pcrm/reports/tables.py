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
    folded: bool = False  # a long table: shown on request, its chart always


@dataclass(frozen=True)
class Link:
    """A cell that links on the page and is its text in a file."""

    text: str
    url: str

    def __str__(self) -> str:
        return self.text


def file_rows(table: Table) -> list[list]:
    """The table's rows as a file holds them: links as their text."""
    return [[str(c) if isinstance(c, Link) else c for c in row] for row in table.rows]


def table_named(tables: list[Table], key: str) -> Table | None:
    return next((table for table in tables if table.key == key), None)
