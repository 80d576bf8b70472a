import io

from openpyxl import load_workbook

from pcrm.auth.models import Role
from pcrm.extensions import db
from pcrm.subscribers.models import AccessAction, AccessLog
from pcrm.surveys import service
from pcrm.surveys.models import QuestionKind, Response, ResponseSource, Survey
from tests.factories import create_department, create_project
from tests.surveys.factories import (
    add,
    choice_id,
    create_bus_survey,
    create_invitation,
    create_staff,
    create_survey,
    post_page,
    publish,
)


def _responses() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Response))


def test_a_resident_answers_from_a_token_link_with_branching(client):
    survey = publish(create_bus_survey())
    message = create_invitation(survey)
    url = f"/s/{message.token}"
    first = client.get(url).get_data(as_text=True)
    assert "마을버스를 이용하십니까?" in first and "<fieldset" in first and "<legend>" in first
    q = [f"q{question.id}" for question in survey.questions]
    second = post_page(client, url, first, **{q[0]: str(choice_id(survey, 0, "예"))}).get_data(
        as_text=True
    )
    assert "2 / 2 쪽" in second and "얼마나 만족하십니까" in second
    done = post_page(client, url, second, **{q[2]: "4", q[3]: "배차 간격을 줄여 주세요"})
    assert "감사합니다" in done.get_data(as_text=True)
    response = db.session.scalar(db.select(Response))
    assert response.source is ResponseSource.INVITATION
    assert {a.number for a in response.answers if a.number} == {4}
    again = post_page(client, url, second, **{q[2]: "4"}).get_data(as_text=True)
    assert "이미 응답해 주셨습니다" in again and _responses() == 1
    assert "이미 응답해 주셨습니다" in client.get(url).get_data(as_text=True)


def test_missing_answers_are_shown_next_to_the_question(client):
    survey = publish(create_bus_survey())
    url = f"/s/{create_invitation(survey).token}"
    page = post_page(client, url, client.get(url).get_data(as_text=True)).get_data(as_text=True)
    qid = survey.questions[0].id
    assert 'class="error-summary"' in page and f'href="#q{qid}"' in page
    assert f'aria-describedby="q{qid}-error"' in page and "이 질문에 답해 주세요" in page


def test_unknown_tokens_and_unpublished_surveys_are_not_found(client):
    assert client.get("/s/not-a-token").status_code == 404
    draft = create_bus_survey()
    assert client.get(f"/s/{create_invitation(draft).token}").status_code == 404
    assert client.get(f"/s/{create_invitation(None).token}").status_code == 404


def test_closed_and_not_yet_open_surveys_say_so(client):
    from datetime import timedelta

    later = publish(create_bus_survey(), opens_in=timedelta(days=1))
    assert "아직 시작하지 않은" in client.get(f"/s/{create_invitation(later).token}").text
    closed = service.close_survey(publish(create_bus_survey(title="다른 조사")))
    assert "마감된 설문" in client.get(f"/s/{create_invitation(closed).token}").text


def test_the_public_link_takes_one_response_per_browser(client):
    survey = create_bus_survey()
    settings = {"title": survey.title, "introduction": "", "anonymous": False}
    service.update_survey(survey, public_link=True, results_public=False, **settings)
    publish(survey)
    url = f"/survey/{survey.public_slug}"
    page = client.get(url).get_data(as_text=True)
    no = {f"q{survey.questions[0].id}": str(choice_id(survey, 0, "아니요"))}
    second = post_page(client, url, page, **no).get_data(as_text=True)
    assert "감사합니다" in post_page(client, url, second).get_data(as_text=True)
    assert db.session.scalar(db.select(Response.source)) is ResponseSource.PUBLIC_LINK
    assert "이미 응답해 주셨습니다" in client.get(url).get_data(as_text=True)
    assert client.get("/survey/guessed-slug").status_code == 404


def test_staff_text_is_escaped_on_residents_pages(client):
    survey = create_survey(title="<script>alert(1)</script>")
    add(survey, QuestionKind.SHORT_TEXT, '<img src=x onerror="alert(2)">')
    publish(survey)
    page = client.get(f"/s/{create_invitation(survey).token}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page


def test_staff_build_a_survey_through_the_forms(client, auth, csrf_token):
    department = create_department()
    project = create_project(department)
    create_staff(Role.DEPARTMENT, "bus@example.kr", department)
    auth.login("bus@example.kr")
    token = csrf_token("/surveys/new")
    created = client.post(
        "/surveys/new", data={"csrf_token": token, "project": project.id, "title": "노선 조사"}
    )
    survey_url = created.headers["Location"]
    survey_id = int(survey_url.rstrip("/").split("/")[-1])
    survey = db.session.get(Survey, survey_id)
    form = {"csrf_token": token, "section": survey.sections[0].id, "required": "y"}
    for text in ("첫 질문", "둘째 질문"):
        client.post(
            f"/surveys/{survey_id}/questions/new",
            data=form | {"kind": "single_choice", "text": text, "choices": "예\n아니요"},
        )
    db.session.expire_all()
    second = survey.questions[1]
    client.post(
        f"/surveys/{survey_id}/questions/{second.id}/move",
        data={"csrf_token": token, "direction": "up"},
    )
    db.session.expire_all()
    assert [q.text for q in survey.questions] == ["둘째 질문", "첫 질문"]
    preview = client.get(f"/surveys/{survey_id}/preview").get_data(as_text=True)
    assert "미리보기입니다" in preview and "둘째 질문" in preview


def test_other_departments_surveys_are_not_found(client, auth):
    survey = create_bus_survey()
    other = create_department("문화체육과", "Culture")
    create_staff(Role.DEPARTMENT, "culture@example.kr", other)
    auth.login("culture@example.kr")
    assert client.get(f"/surveys/{survey.id}").status_code == 404
    assert client.get(f"/surveys/{survey.id}/results").status_code == 404
    assert survey.title not in client.get("/surveys/").get_data(as_text=True)


def test_exports_neutralise_formulas_and_carry_a_codebook(client, auth):
    survey = publish(create_bus_survey())
    url = f"/s/{create_invitation(survey).token}"
    q = [f"q{question.id}" for question in survey.questions]
    second = post_page(
        client, url, client.get(url).text, **{q[0]: str(choice_id(survey, 0, "예"))}
    ).text
    post_page(client, url, second, **{q[2]: "5", q[3]: '=HYPERLINK("http://evil")'})
    auth.login("pr@example.kr")
    csv_text = client.get(f"/surveys/{survey.id}/export/responses.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "Q1" in csv_text.splitlines()[0]
    xlsx = client.get(f"/surveys/{survey.id}/export/responses.xlsx").data
    workbook = load_workbook(io.BytesIO(xlsx))
    assert workbook.sheetnames == ["응답", "코드북"]
    rows = list(workbook["응답"].values)
    assert rows[1][rows[0].index("Q4")] == '\'=HYPERLINK("http://evil")'
    codebook = client.get(f"/surveys/{survey.id}/export/codebook.csv").data.decode("utf-8-sig")
    assert "Q3," in codebook and "1 (매우 불만족)" in codebook
    entries = db.session.scalars(db.select(AccessLog).order_by(AccessLog.id)).all()
    assert [(e.action, e.record_count) for e in entries] == [(AccessAction.EXPORT, 1)] * 2
    assert "responses.csv" in entries[0].what and survey.title in entries[0].what
    assert entries[0].actor.endswith("<pr@example.kr>")


def _public_survey() -> tuple[Survey, str]:
    survey = create_bus_survey()
    settings = {"title": survey.title, "introduction": "", "anonymous": False}
    service.update_survey(survey, public_link=True, results_public=False, **settings)
    publish(survey)
    return survey, f"/survey/{survey.public_slug}"


def _answer_in_a_new_browser(app, survey: Survey, url: str):
    """Answer the public link as a person on their own phone, from the same address."""
    browser = app.test_client()
    page = browser.get(url).get_data(as_text=True)
    no = {f"q{survey.questions[0].id}": str(choice_id(survey, 0, "아니요"))}
    second = post_page(browser, url, page, **no)
    if second.status_code != 200:
        return second
    return post_page(browser, url, second.get_data(as_text=True))


def test_a_household_sharing_one_address_answers_the_public_link(app):
    survey, url = _public_survey()
    for _person in range(5):
        done = _answer_in_a_new_browser(app, survey, url)
        assert done.status_code == 200 and "감사합니다" in done.get_data(as_text=True)
    assert _responses() == 5


def test_one_address_cannot_stuff_the_public_link(app):
    survey, url = _public_survey()
    app.config["PUBLIC_SURVEY_ANSWER_LIMIT"] = "6 per hour"
    try:
        answers = [_answer_in_a_new_browser(app, survey, url) for _ in range(8)]
    finally:
        del app.config["PUBLIC_SURVEY_ANSWER_LIMIT"]
    assert [a.status_code for a in answers] == [200] * 6 + [429] * 2
    refused = answers[-1].get_data(as_text=True)
    assert "요청이 너무 많습니다" in refused and "조금 뒤에 이어서 답해 주세요" in refused
    assert _responses() == 6


def test_one_invitation_link_cannot_be_hammered(app, client):
    survey = publish(create_bus_survey())
    url = f"/s/{create_invitation(survey).token}"
    app.config["SURVEY_TOKEN_PAGE_LIMIT"] = "3 per hour"
    try:
        page = client.get(url).get_data(as_text=True)  # the first page, never answered
        codes = [post_page(client, url, page).status_code for _ in range(4)]
    finally:
        del app.config["SURVEY_TOKEN_PAGE_LIMIT"]
    assert codes[-1] == 429 and 429 not in codes[:3]
    assert _responses() == 0
