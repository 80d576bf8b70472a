"""The committed migrations build exactly the models' schema, and undo it, on the test engine."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from pcrm.extensions import db
from pcrm.schema import for_dialect, pending_revisions


def schema_differences() -> list:
    """What autogenerate would change to make the database match the models."""
    with db.engine.connect() as connection:
        include = for_dialect(connection.dialect.name)
        opts = {"compare_type": True, "include_object": include}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, db.metadata)


def test_downgrade_to_base_then_upgrade_matches_the_models(app):
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    assert pending_revisions()

    upgrade()
    assert not pending_revisions()
    assert schema_differences() == []


def test_the_reference_categories_are_seeded(app):
    from pcrm.reference import reference
    from pcrm.subscribers.models import BusinessType, Dong, InterestField

    ref = reference()
    assert _count(InterestField) == len(ref["interest_fields"]) == 11
    assert _count(BusinessType) == len(ref["business_types"]) == 12
    assert _count(Dong) == len(ref["dongs"]) == 17


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))
