"""The shared column helpers, on whichever database the suite runs on."""

import pytest
from sqlalchemy import select

from pcrm.auth.models import Department
from pcrm.db import IntArray, TextArray, among
from pcrm.extensions import db


def test_among_selects_exactly_the_given_ids(app):
    with app.app_context():
        departments = [Department(name_ko=f"부서{n}", name_en=f"D{n}") for n in range(6)]
        db.session.add_all(departments)
        db.session.commit()
        ids = [d.id for d in departments]
        wanted = [ids[4], ids[0], ids[2], 10**9]  # any order, an id nobody has

        def found(chosen):
            query = select(Department.id).where(among(Department.id, chosen))
            return sorted(db.session.scalars(query))

        assert found(wanted) == sorted([ids[0], ids[2], ids[4]])
        assert found([]) == []
        # The statement is cached once and bound afresh: other ids, other rows.
        assert found(ids[1:2]) == [ids[1]]


def test_text_array_carries_any_string_to_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("an array literal is PostgreSQL's")
        values = [
            "plain",
            "",
            'a "quoted", {braced} value',
            "back\\slash\\",
            "NULL",
            "수신거부 080",
        ]
        driver = db.session.connection().connection.driver_connection
        rows = driver.execute("SELECT unnest(%s)", (TextArray.of(values),)).fetchall()
        assert [value for (value,) in rows] == values
        ids = driver.execute("SELECT unnest(%s)", (IntArray.of([3, 1, 2]),)).fetchall()
        assert [value for (value,) in ids] == [3, 1, 2]
        assert driver.execute("SELECT cardinality(%s)", (TextArray.of([]),)).fetchone() == (0,)
        db.session.rollback()
