"""SQL pieces the reports share, written once for PostgreSQL and SQLite."""

from sqlalchemy import BigInteger, ColumnElement, Integer, case, cast, func

from pcrm.campaigns import progress
from pcrm.extensions import db

# What arrived, and what left (delivered, bounced or refused on the way): the campaign's own rule.
DELIVERED = progress.DELIVERED
SENT = progress.ATTEMPTED


def epoch(column) -> ColumnElement[int]:
    """Whole seconds since 1970 of a UTC timestamp column."""
    if db.engine.dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.floor(func.extract("epoch", column)), BigInteger)


def flag(condition) -> ColumnElement[int]:
    """1 where the condition holds, else 0: summed or maxed in an aggregate."""
    return case((condition, 1), else_=0)
