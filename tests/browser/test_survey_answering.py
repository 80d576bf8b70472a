import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.surveys.factories import create_bus_survey, create_invitation, publish

pytestmark = pytest.mark.browser


def test_a_resident_answers_on_a_phone_with_branching_and_staff_see_it(phone_page, app):
    with app.app_context():
        survey = publish(create_bus_survey())
        token, survey_id = create_invitation(survey).token, survey.id
    page = phone_page
    page.goto(f"/s/{token}")
    routes = page.get_by_role("group", name="주로 이용하는 노선을 고르세요.")
    expect(routes).to_be_hidden()  # shown by script only once "예" is chosen
    page.get_by_role("button", name="다음").click()
    expect(page.get_by_role("alert").get_by_text("이 질문에 답해 주세요")).to_be_visible()
    page.get_by_label("예", exact=True).check()
    expect(routes).to_be_visible()
    routes.get_by_label("성동02").check()
    page.get_by_role("button", name="다음").click()
    expect(page.get_by_text("2 / 2 쪽")).to_be_visible()
    page.get_by_label("4", exact=True).check()
    page.get_by_label("개선할 점을 적어 주세요.").fill("배차 간격을 줄여 주세요")
    page.get_by_role("button", name="제출").click()
    expect(page.get_by_text("응답해 주셔서 감사합니다")).to_be_visible()
    second_tab = page.context.new_page()
    second_tab.goto(f"/s/{token}")
    expect(second_tab.get_by_text("이미 응답해 주셨습니다")).to_be_visible()

    page.goto("/login")
    page.get_by_label("이메일").fill("pr@example.kr")
    page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.goto(f"/surveys/{survey_id}/results")
    uses = page.get_by_role("table", name="Q1 응답 분포")
    assert uses.get_by_role("row", name="예").get_by_role("cell").first.inner_text() == "1"
    routes_table = page.get_by_role("table", name="Q2 응답 분포")
    assert (
        routes_table.get_by_role("row", name="성동02").get_by_role("cell").first.inner_text() == "1"
    )


def test_question_numbers_follow_what_the_resident_sees(phone_page, app):
    from pcrm.surveys.models import QuestionKind
    from tests.surveys.factories import add, create_survey

    with app.app_context():
        survey = create_survey()
        uses = add(survey, QuestionKind.SINGLE, "버스를 타십니까?", choices=("예", "아니요"))
        add(survey, QuestionKind.SHORT_TEXT, "어느 정류장에서 타십니까?", required=False,
            condition_question_id=uses.id, condition_value="예")  # fmt: skip
        add(survey, QuestionKind.SHORT_TEXT, "사시는 동은 어디입니까?", required=False)
        token = create_invitation(publish(survey)).token
    page = phone_page
    page.goto(f"/s/{token}")
    expect(page.get_by_text("2. 사시는 동은 어디입니까?")).to_be_visible()  # the hidden one skipped
    page.get_by_label("예", exact=True).check()
    expect(page.get_by_text("2. 어느 정류장에서 타십니까?")).to_be_visible()
    expect(page.get_by_text("3. 사시는 동은 어디입니까?")).to_be_visible()
