import pytest
from playwright.sync_api import expect

from pcrm.surveys.models import QuestionKind
from tests.surveys.factories import add, create_survey

pytestmark = pytest.mark.browser


def test_the_question_form_shows_what_the_chosen_type_needs(staff_page, app):
    with app.app_context():
        survey = create_survey()
        add(survey, QuestionKind.SINGLE, "마을버스를 이용하십니까?", choices=("예", "아니요"))
        survey_id = survey.id
    page = staff_page
    page.goto(f"/surveys/{survey_id}/questions/new")
    choices, scale = (
        page.get_by_label("선택지 (한 줄에 하나)"),
        page.get_by_label("척도 시작 / 숫자 최솟값"),
    )
    kind = page.get_by_label("질문 유형")
    kind.select_option("single_choice")
    expect(choices).to_be_visible()
    expect(scale).to_be_hidden()
    expect(page.get_by_label("최대 선택 개수 (여러 개 고르기)")).to_be_hidden()
    kind.select_option("rating")
    expect(choices).to_be_hidden()
    expect(scale).to_be_visible()
    kind.select_option("long_text")
    expect(scale).to_be_hidden()
    # Branching reads as a sentence.
    condition = page.get_by_label("표시 조건")
    expect(
        condition.locator(
            "option", has_text="Q1(마을버스를 이용하십니까?)에 '예'라고 답한 사람에게만 보이기"
        )
    ).to_have_count(1)


def test_without_script_every_part_of_the_question_form_shows(no_script_phone_page, app):
    from tests.factories import PASSWORD, create_user

    with app.app_context():
        create_user("pr@example.kr")
        survey_id = create_survey().id
    page = no_script_phone_page
    page.goto(f"/surveys/{survey_id}/questions/new")
    page.get_by_label("이메일").fill("pr@example.kr")
    page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_label("선택지 (한 줄에 하나)")).to_be_visible()
    expect(page.get_by_label("척도 시작 / 숫자 최솟값")).to_be_visible()
