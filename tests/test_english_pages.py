"""In English, the main pages of every part show no Korean: every label is translated, and
reference rows with an English name (departments, projects, fields) show it. The data here is
English, so any Hangul on a page is text the catalog or a template left out."""

import re

import pytest

from pcrm.auth.models import Role
from pcrm.campaigns.models import Campaign, CampaignKind, CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.subscribers.models import Channel, Dong, Segment
from pcrm.surveys import responding
from pcrm.surveys.answering import Value
from pcrm.surveys.models import QuestionKind
from tests.factories import create_department, create_project, create_user
from tests.subscribers.factories import create_subscriber
from tests.surveys.factories import add, create_survey, publish

HANGUL = re.compile(r"[\uac00-\ud7a3]+(?:[\s·]*[\uac00-\ud7a3\d]+)*")
# The switch back to Korean names its language in Korean; dongs have no English names.
ALLOWED = {"한국어"}
RESIDENT_COPY = re.compile(r'<div lang="ko" class="resident-copy">.*?</div>', re.S)


@pytest.fixture
def english_world(client, auth, csrf_token):
    """A PR officer and a visitor reading in English; a department and project with Korean and
    English names; a published survey with one response; a sent survey campaign inviting two
    subscribers, one of whom has not answered yet; all in English."""
    create_user("officer@example.kr", role=Role.PR, name="Officer Lee")
    department = create_department(name_ko="교통행정과", name_en="Transport Administration")
    project = create_project(department, name_ko="성동 마을버스 운영")  # name_en: Village bus
    survey = create_survey(project, title="Village bus survey")
    rides = add(survey, QuestionKind.SINGLE, "Do you ride the village bus?", choices=("Yes", "No"))
    add(
        survey,
        QuestionKind.MULTIPLE,
        "Which routes?",
        choices=("Route 1", "Route 2", "Route 3"),
        max_choices=2,
        required=False,
        other_option=True,
        condition_question_id=rides.id,
        condition_value="Yes",
    )
    add(survey, QuestionKind.RATING, "How satisfied are you?", low=1, high=5)
    publish(survey)
    resident = create_subscriber("Jane Doe", email="jane@example.com", dong=None)
    segment = Segment(name="Policy customers", criteria={"fields": ["survey"]})
    campaign = Campaign(
        project=project,
        name="Bus survey invitation",
        kind=CampaignKind.SURVEY,
        status=CampaignStatus.SENT,
        survey_id=survey.id,
        segment=segment,
        field_code="survey",
        subject="Hello {{ name }}",
        body="Please answer: {{ survey_link }}",
        send_at=utcnow(),
        launched_at=utcnow(),
    )
    message = Message(
        campaign=campaign, subscriber=resident, channel=Channel.EMAIL, sent_at=utcnow()
    )
    respondent = create_subscriber("John Roe", email="john@example.com", phone=None, dong=None)
    answered = Message(campaign=campaign, subscriber=respondent, channel=Channel.EMAIL)
    db.session.add_all([segment, campaign, message, answered])
    db.session.commit()
    yes = Value(choice_ids=[rides.choices[0].id])
    responding.submit_response(
        survey=survey, values={rides.id: yes}, submission_key="john", message=answered
    )
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": csrf_token()})
    return {"campaign": campaign, "message": message}


def _korean_on(client, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page, path
    dongs = set(db.session.scalars(db.select(Dong.name_ko)))
    # What residents receive is in Korean whatever the staff page's language (marked lang="ko").
    page = RESIDENT_COPY.sub("", page)
    return {m.group() for m in HANGUL.finditer(page)} - ALLOWED - dongs


def test_residents_pages_have_no_korean_in_english(client, english_world):
    token = english_world["message"].token
    for path in ("/join", "/preferences", f"/s/{token}", f"/u/{token}", f"/p/{token}"):
        assert _korean_on(client, path) == set(), path


def test_staff_pages_have_no_korean_in_english(client, auth, english_world):
    assert _korean_on(client, "/login") == set()
    auth.login("officer@example.kr")
    campaign = english_world["campaign"]
    paths = (
        "/",
        "/subscribers/",
        "/segments/",
        "/surveys/",
        f"/surveys/{campaign.survey_id}",
        f"/surveys/{campaign.survey_id}/results",
        "/surveys/population",
        "/campaigns/",
        f"/campaigns/{campaign.id}",
        f"/campaigns/{campaign.id}/results",
        "/projects/",
    )
    for path in paths:
        assert _korean_on(client, path) == set(), path


def test_reference_names_follow_the_language(client, auth, english_world, csrf_token):
    auth.login("officer@example.kr")
    page = client.get(f"/campaigns/{english_world['campaign'].id}").text
    assert "Village bus service · Transport Administration" in page
    client.post("/language", data={"lang": "ko", "next": "/", "csrf_token": csrf_token("/")})
    page = client.get(f"/campaigns/{english_world['campaign'].id}").text
    assert "성동 마을버스 운영 · 교통행정과" in page
