"""Is the database at the migrations' head? Checked before serving, so a stale schema gets a
clear message instead of a stack trace."""

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect, text

from pcrm.errors import SchemaNotMigrated
from pcrm.extensions import db


def _code_heads() -> set[str]:
    """The migrations' heads, read from the scripts once per app."""
    heads = current_app.extensions.get("pcrm_migration_heads")
    if heads is None:
        config = current_app.extensions["migrate"].migrate.get_config()
        heads = current_app.extensions["pcrm_migration_heads"] = set(
            ScriptDirectory.from_config(config).get_heads()
        )
    return heads


def pending_revisions() -> set[str]:
    """Heads the code has that the database has not reached (empty when up to date)."""
    # Read alembic_version directly: cheap and quiet enough for every health check.
    with db.engine.connect() as connection:
        current = set()
        if inspect(connection).has_table("alembic_version"):
            current = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
    return _code_heads() - current


def ensure_migrated() -> None:
    """Raise SchemaNotMigrated, naming the fix, unless the schema is current (cached once true)."""
    if current_app.config.get("_SCHEMA_CURRENT"):
        return
    pending = pending_revisions()
    if pending:
        error = SchemaNotMigrated(
            "The database is not migrated to this version of PCRM "
            f"(missing {', '.join(sorted(pending))}). Run `pcrm db upgrade`."
        )
        error.pending = tuple(sorted(pending))
        raise error
    current_app.config["_SCHEMA_CURRENT"] = True


def for_dialect(dialect_name: str):
    """An autogenerate include_object hook: leave out objects built only on another database
    (`.ddl_if(dialect=...)`, such as PostgreSQL's trigram indexes)."""

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect_name)

    return include_object
