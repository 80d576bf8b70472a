from datetime import timedelta

import pytest

from pcrm.auth.models import Role, User
from pcrm.db import utcnow
from pcrm.errors import Conflict, Invalid
from pcrm.extensions import db
from pcrm.surveys import building, service
from pcrm.surveys.building import QuestionSpec
from pcrm.surveys.models import Question, QuestionKind, SurveyState
from pcrm.surveys.responding import submit_response
from tests.factories import create_department
from tests.surveys.factories import (
    add,
    create_bus_survey,
    create_invitation,
    create_staff,
    create_survey,
    publish,
)


def _texts(survey):
    db.session.expire_all()
    return [q.text for q in survey.questions]


def test_a_new_survey_is_a_draft_with_one_section():
    survey = create_survey()
    assert survey.state() is SurveyState.DRAFT
    assert len(survey.sections) == 1


def test_questions_move_up_and_down_and_across_sections():
    survey = create_bus_survey()
    first, second = survey.sections
    improve = second.questions[1]
    building.move_question(improve, direction=-1)
    assert _texts(survey)[2] == "개선할 점을 적어 주세요."
    building.move_question(improve, direction=-1)  # top of page 2: goes to the end of page 1
    assert improve.section_id == first.id
    assert _texts(survey)[2] == "개선할 점을 적어 주세요."


def test_a_question_cannot_move_above_the_question_it_depends_on():
    survey = create_bus_survey()
    routes = survey.questions[1]
    with pytest.raises(Invalid):
        building.move_question(routes, direction=-1)
    assert _texts(survey)[:2] == ["마을버스를 이용하십니까?", "주로 이용하는 노선을 고르세요."]


def test_a_condition_must_name_an_earlier_answer():
    survey = create_survey()
    first = add(survey, QuestionKind.SINGLE, "이용하십니까?", choices=("예", "아니요"))
    spec = QuestionSpec(
        kind=QuestionKind.SHORT_TEXT,
        text="왜요?",
        section_id=survey.sections[0].id,
        condition_question_id=first.id,
        condition_value="모름",
    )
    with pytest.raises(Invalid):
        building.add_question(survey, spec)
    assert len(_texts(survey)) == 1


def test_choice_questions_need_two_distinct_choices_and_a_sensible_maximum():
    survey = create_survey()
    with pytest.raises(Invalid):
        add(survey, QuestionKind.SINGLE, "하나?", choices=("예",))
    with pytest.raises(Invalid):
        add(survey, QuestionKind.MULTIPLE, "여럿?", choices=("가", "나"), max_choices=3)
    question = add(survey, QuestionKind.SCALE_10, "추천하시겠습니까?", low=3, high=4)
    assert question.scale_points == list(range(11))


def test_a_question_others_depend_on_cannot_be_deleted():
    survey = create_bus_survey()
    with pytest.raises(Invalid):
        building.delete_question(survey.questions[0])
    building.delete_question(survey.questions[3])
    assert len(_texts(survey)) == 3


def test_publishing_needs_questions_and_a_closing_time_ahead():
    empty = create_survey()
    with pytest.raises(Invalid):
        service.publish_survey(empty, opens_at=None, closes_at=utcnow() + timedelta(days=1))
    survey = create_bus_survey()
    with pytest.raises(Invalid):
        service.publish_survey(survey, opens_at=None, closes_at=utcnow() - timedelta(hours=1))
    publish(survey)
    assert survey.state() is SurveyState.OPEN
    later = publish(create_bus_survey(title="다음 조사"), opens_in=timedelta(days=2))
    assert later.state() is SurveyState.SCHEDULED


def test_closing_early_and_anonymity_fixed_once_published():
    survey = publish(create_bus_survey())
    with pytest.raises(Conflict):
        service.update_survey(
            survey,
            title=survey.title,
            introduction="",
            anonymous=True,
            public_link=False,
            results_public=False,
        )
    service.close_survey(survey)
    assert survey.state() is SurveyState.CLOSED


def test_questions_lock_once_answered_and_a_copy_can_be_changed():
    survey = publish(create_bus_survey())
    submit_response(survey=survey, values={}, submission_key="k1")
    with pytest.raises(Conflict):
        building.move_question(survey.questions[3], direction=-1)
    copy = service.copy_survey(survey, user=create_staff(email="x@example.kr"))
    assert copy.state() is SurveyState.DRAFT
    assert [q.text for q in copy.questions] == [q.text for q in survey.questions]
    conditional = copy.questions[2]
    assert conditional.condition_question_id == copy.questions[0].id  # remapped to the copy
    building.delete_question(copy.questions[3])
    assert db.session.scalar(db.select(db.func.count()).select_from(Question)) == 7


def test_public_link_gets_an_unguessable_slug_and_can_be_turned_off():
    survey = create_bus_survey()
    settings = {"title": "t", "introduction": "", "anonymous": False, "results_public": True}
    service.update_survey(survey, public_link=True, **settings)
    assert len(survey.public_slug) >= 16
    assert service.survey_for_slug(survey.public_slug) is survey
    service.update_survey(survey, public_link=False, **settings)
    assert survey.public_slug is None


def test_responses_of_a_subscriber_link_only_surveys_the_staff_member_may_see():
    survey = publish(create_bus_survey())
    message = create_invitation(survey)
    submit_response(survey=survey, values={}, submission_key="k", message=message)
    other = create_staff(Role.DEPARTMENT, "culture@example.kr", create_department("문화체육과"))
    pr = db.session.scalar(db.select(User).where(User.email == "pr@example.kr"))
    [mine] = service.responses_of(message.subscriber_id, user=pr)
    [theirs] = service.responses_of(message.subscriber_id, user=other)
    assert (mine.survey_id, mine.title, mine.visible) == (survey.id, survey.title, True)
    assert (theirs.survey_id, theirs.visible) == (survey.id, False)
