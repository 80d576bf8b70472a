"""The declarative base, time helpers and column types every domain shares."""

import contextlib
import enum
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import ClassVar

import psycopg
from psycopg import postgres
from psycopg.adapt import Dumper
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    DateTime,
    Enum,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    insert,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.schema import AddConstraint, DropConstraint
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, UserDefinedType

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, timezone-aware in UTC: the only clock the code reads."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back aware datetimes, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(kind: type[enum.Enum]) -> Enum:
    """A portable enum column storing the members' values (not names) as strings."""
    return Enum(kind, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite serves a web process and workers at once: WAL, a busy wait, enforced keys."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class IntArray(str):
    """Integer ids as PostgreSQL's array literal ("{1,2,3}"), sent typed int4[]: psycopg dumps a
    list one element at a time in Python (a millisecond for a batch's 2000 ids, a third of the
    query), and a text literal cast in the statement would be cast again for every row a
    sequential scan reads."""

    @classmethod
    def of(cls, ids: Iterable[int]) -> "IntArray":
        return cls("{" + ",".join(map(str, ids)) + "}")


class TextArray(str):
    """Strings as PostgreSQL's array literal, sent typed text[], for the reasons of IntArray:
    every element quoted, its backslashes and double quotes escaped."""

    @classmethod
    def of(cls, values: Iterable[str]) -> "TextArray":
        values = list(values)
        if not values:
            return cls("{}")
        everything = "".join(values)
        if "\\" in everything or '"' in everything:  # rare: escaped element by element
            values = [v.replace("\\", "\\\\").replace('"', '\\"') for v in values]
        return cls('{"' + '","'.join(values) + '"}')


class _ArrayLiteralDumper(Dumper):
    def dump(self, obj: str) -> bytes:
        return obj.encode()


class _IntArrayDumper(_ArrayLiteralDumper):
    oid = postgres.types["int4"].array_oid


class _TextArrayDumper(_ArrayLiteralDumper):
    oid = postgres.types["text"].array_oid


psycopg.adapters.register_dumper(IntArray, _IntArrayDumper)
psycopg.adapters.register_dumper(TextArray, _TextArrayDumper)


class _TypedByDriver(UserDefinedType):
    """A parameter whose type the driver states (IntArray): no cast in the statement."""

    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "INTEGER[]"


class _Ids(TypeDecorator):
    """A list of integer ids bound as one parameter: an int4[] on PostgreSQL, JSON elsewhere."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_TypedByDriver())
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: list[int], dialect):
        return IntArray.of(value) if dialect.name == "postgresql" else json.dumps(value)


class among(ColumnElement[bool]):  # lower case: reads as an operator, where(among(T.c.id, ids))
    """`column IN ids` for a batch's hundreds of integer ids, as one parameter.

    An IN list is one placeholder per id: psycopg converts a statement that long afresh on every
    call (about 10 ms for 500 ids, more than the statement itself), and SQLAlchemy cannot cache
    it. One array parameter (`= ANY(%s)` on PostgreSQL, `IN json_each(?)` on SQLite) is cached
    like any other statement.
    """

    type = Boolean()
    # A condition in itself: without this, SQLite gets `... IN (...) = 1`, which no index serves.
    _is_implicitly_boolean = True
    inherit_cache = True
    _traverse_internals: ClassVar = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[int], ids: Iterable[int]):
        self.column = column
        self.ids = bindparam(None, [int(i) for i in ids], type_=_Ids())


@compiles(among)
def _among(element: among, compiler, **kw) -> str:
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} IN (SELECT value FROM json_each({ids}))"  # noqa: S608  (compiled SQL only)


@compiles(among, "postgresql")
def _among_postgresql(element: among, compiler, **kw) -> str:
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} = ANY({ids})"


def bulk_insert(connection: Connection, table: Table, rows: list[dict]) -> None:
    """Insert many rows of the same keys: COPY on PostgreSQL, one executemany elsewhere.

    COPY skips SQLAlchemy's column defaults and type processing, so rows carry every value the
    table needs as plain Python values (aware datetimes, enum values as strings, no JSON).
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    quoted = ", ".join(f'"{name}"' for name in columns)
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


def bulk_insert_returning_ids(connection: Connection, table: Table, rows: list[dict]) -> list[int]:
    """bulk_insert() for a table with an integer `id` key; returns the new ids in rows' order.

    PostgreSQL: the ids are drawn from the table's sequence first, so COPY can carry them.
    SQLite: one executemany holds the write lock throughout, and SQLite gives each new row
    the largest rowid so far plus one, so the ids are the run ending at last_insert_rowid()
    (RETURNING with a guaranteed order would cost a statement per row there).
    """
    if connection.dialect.name == "postgresql":
        sequence = connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": f'"{table.name}"'}
        )
        ids = list(
            connection.scalars(
                text("SELECT nextval(:sequence) FROM generate_series(1, :n)"),
                {"sequence": sequence, "n": len(rows)},
            )
        )
        bulk_insert(connection, table, [{"id": i} | row for i, row in zip(ids, rows, strict=True)])
        return ids
    bulk_insert(connection, table, rows)
    last = connection.scalar(text("SELECT last_insert_rowid()"))
    return list(range(last - len(rows) + 1, last + 1))


@contextlib.contextmanager
def foreign_keys_checked_after(connection: Connection, *tables: Table) -> Iterator[None]:
    """PostgreSQL: drop the tables' foreign keys during a bulk load and add them back after.

    Adding a key back checks the whole table in one query instead of a trigger per row (the
    PostgreSQL manual's advice for populating a database). It locks the tables until commit,
    so it is for filling empty tables; elsewhere this does nothing.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    keys = [key for table in tables for key in table.foreign_key_constraints]
    for key in keys:
        connection.execute(DropConstraint(key))
    yield
    for key in keys:
        connection.execute(AddConstraint(key))
