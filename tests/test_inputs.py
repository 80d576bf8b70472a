"""Odd input in URLs and forms: a plain 404 or a 422 in words, and nothing changes."""

from sqlalchemy import func, select

from pcrm.auth.models import Role
from pcrm.campaigns import results
from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.extensions import db
from pcrm.projects.models import Project
from tests.campaigns.factories import due_campaign
from tests.conftest import _csrf_token
from tests.factories import create_department, create_project
from tests.surveys.factories import create_bus_survey


def csrf_token_of(client, path: str) -> str:
    return _csrf_token(client.get(path).get_data(as_text=True))


def _projects() -> int:
    return db.session.scalar(select(func.count()).select_from(Project))


def test_an_id_too_large_for_the_database_is_a_plain_404(client, sign_in):
    sign_in(Role.PR)
    for value in (2**31, 2**63, 2**64):
        assert client.get(f"/projects/{value}").status_code == 404
        assert client.get(f"/campaigns/{value}/results").status_code == 404


def test_a_nul_character_in_a_form_is_refused_in_words_and_nothing_is_stored(
    client, sign_in, csrf_token
):
    department = create_department()
    sign_in(Role.DEPARTMENT, department=department)
    token = csrf_token("/projects/new")
    response = client.post("/projects/new", data={"name_ko": "마을\x00버스", "csrf_token": token})
    assert response.status_code == 422
    assert "쓸 수 없는 문자(NUL)" in response.get_data(as_text=True)
    assert _projects() == 0


def test_a_nul_character_in_a_search_is_refused_in_words(client, sign_in):
    sign_in(Role.PR)
    response = client.get("/subscribers/?q=%ED%99%8D%00")
    assert response.status_code == 422
    assert "쓸 수 없는 문자(NUL)" in response.get_data(as_text=True)


def test_a_nul_in_a_link_token_is_a_plain_404(client):
    assert client.get("/u/abc%00def").status_code == 404
    assert client.get("/s/abc%00def").status_code == 404


def test_a_page_number_beyond_any_page_is_a_404(client, sign_in):
    sign_in(Role.PR)
    assert client.get("/campaigns/?page=99999999999999999999").status_code == 404
    assert client.get("/campaigns/?page=-1").status_code == 404
    assert client.get("/campaigns/?page=2").status_code == 404  # there is no second page
    assert client.get("/campaigns/?page=1").status_code == 200


def test_filters_outside_their_choices_are_ignored(client, sign_in):
    sign_in(Role.PR)
    create_project(create_department())
    assert client.get("/subscribers/?sort=zzz&status=zzz&dong_ids=x").status_code == 200
    listing = client.get(f"/projects/?department={2**64}")
    assert listing.status_code == 200
    assert "성동 마을버스 운영" in listing.get_data(as_text=True)


def test_percent_and_underscore_in_the_send_results_search_match_only_themselves(
    app, client, sign_in
):
    campaign, _people = due_campaign(3)
    launch_due_campaigns()
    found = lambda q: db.session.scalars(results.recipients(campaign.id, q=q)).all()  # noqa: E731
    assert len(found("주민")) == 3
    assert found("%") == [] and found("_") == [] and found("주민_") == []
    sign_in(Role.PR)
    page = client.get(f"/campaigns/{campaign.id}/results?q=%25")
    assert page.status_code == 200 and "주민0" not in page.get_data(as_text=True)


def test_a_year_outside_the_calendar_the_service_uses_is_a_form_error(client, auth):
    survey = create_bus_survey()  # made by pr@example.kr
    auth.login("pr@example.kr")
    token = csrf_token_of(client, f"/surveys/{survey.id}")
    for closes in ("0001-01-01T00:00", "9999-12-31T23:59"):
        response = client.post(
            f"/surveys/{survey.id}/publish",
            data={"closes_at": closes, "csrf_token": token},
            follow_redirects=True,
        )
        assert response.status_code == 200 and "마감 시각을 입력하세요" in response.text
        db.session.refresh(survey)
        assert survey.published_at is None and survey.closes_at is None


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_number_and_date_field_of_every_form_is_bounded(app):
    import wtforms
    from flask_wtf import FlaskForm
    from wtforms.fields.core import UnboundField

    from pcrm import forms

    bounded = {
        wtforms.IntegerField: forms.IntegerField,
        wtforms.DateTimeLocalField: forms.DateTimeLocalField,
        wtforms.DateTimeField: forms.DateTimeLocalField,
        wtforms.DateField: None,  # no form has one; one needs a bounded class first
    }
    checked = 0
    for form in _subclasses(FlaskForm):
        for name in dir(form):
            field = getattr(form, name, None)
            if not isinstance(field, UnboundField):
                continue
            for unbounded, ours in bounded.items():
                if issubclass(field.field_class, unbounded):
                    assert ours and issubclass(field.field_class, ours), f"{form.__name__}.{name}"
                    checked += 1
    assert checked >= 5


TAMPERED_CURSORS = (
    "!!not-a-cursor",
    "WzEsMiwzXQ==",  # [1, 2, 3]: the wrong length
    "WyJ4Il0=",  # ["x"]: text for an id
    "WzExODA1OTE2MjA3MTc0MTEzMDM0MjRd",  # [2**70]: an id no column holds
    "W3siYSI6IDF9XQ==",  # [{"a": 1}]
    "WyJhXHUwMDAwYiIsIDFd",  # ["a\x00b", 1]: a NUL in a name
    "WzUsICJ4Il0=",  # [5, "x"]: a number for a name
)


def test_a_tampered_paging_cursor_shows_the_first_page(client, sign_in):
    sign_in(Role.PR)
    for cursor in TAMPERED_CURSORS:
        for sort in ("newest", "name"):
            for direction in ("after", "before"):
                response = client.get(f"/subscribers/?sort={sort}&{direction}={cursor}")
                assert response.status_code == 200, (cursor, sort, direction)
