"""What staff may write in a campaign's subject and body, and how rendering fails per recipient."""

import html
import re

import pytest
from sqlalchemy import func, select

from pcrm.auth.models import Role
from pcrm.campaigns.mailing import compile_campaign
from pcrm.campaigns.models import Campaign, CampaignKind
from pcrm.campaigns.templating import MAX_OUTPUT, TemplateProblem
from pcrm.extensions import db
from pcrm.subscribers.models import Subscriber
from tests.campaigns.factories import create_campaign, create_segment, create_subscribers
from tests.factories import create_department, create_project, create_user

LINK = "자세히: https://www.sd.go.kr/bus\n"


@pytest.fixture
def bus(app):
    transport = create_department("교통행정과", "Transport")
    create_user("pr@example.kr", Role.PR)
    return create_project(transport)


def _save(client, auth, csrf_token, project, *, subject="마을버스 안내", body="{{ name }}님"):
    auth.login("pr@example.kr")
    form = {
        "project_id": project.id, "name": "마을버스 안내", "kind": "information",
        "survey_id": "0", "segment_id": "0", "field_code": "", "subject": subject,
        "body": body, "send_at": "", "recurrence": "",
        "csrf_token": csrf_token("/campaigns/new"),
    }  # fmt: skip
    return client.post("/campaigns/new", data=form)


def _field_error(response, field: str) -> str:
    match = re.search(rf'id="{field}-error">([^<]*)<', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else ""


REFUSED = [
    ("{% for i in range(10000000) %}x{% endfor %}", "{% for %}은(는) 메일에 쓸 수 없습니다"),
    ("{% for a in 'ab' %}{% for b in 'ab' %}x{% endfor %}{% endfor %}", "{% for %}"),
    ("{{ range(10000000) }}", "함수 호출 「range(...)」은(는)"),
    ("{% include 'base.html' %}", "{% include %}은(는) 메일에 쓸 수 없습니다"),
    ("{% extends 'base.html' %}", "{% extends %}은(는)"),
    ("{% import 'base.html' as page %}", "{% import %}은(는)"),
    ("{% from 'base.html' import x %}", "{% from ... import %}은(는)"),
    ("{% macro m() %}x{% endmacro %}", "{% macro %}은(는)"),
    ("{% set x = name %}", "{% set %}은(는)"),
    (LINK + "{{ link(99) }}", "link(n)의 n은 1부터 본문의 링크 수(1)까지입니다"),
    ("{{ link(1) }}", "함수 호출 「link(...)」"),
    ("{{ 1/0 }}", "계산식"),
    ("{{ (10**5000)|string }}", "「|string」 필터"),
    ("{{ 10**5000 }}", "계산식"),
    ("{{ 'x' * 100000000 }}", "계산식"),
    ("{{ name ~ name }}", "계산식"),
    ("{{ name|safe }}", "「|safe」 필터"),
    ("{% autoescape false %}<b>{{ name }}</b>{% endautoescape %}", "{% autoescape %}은(는)"),
    ("{{ name.__class__ }}", "속성 「.__class__」"),
    ("{{ name[name] }}", "글자 뽑기의 이 위치"),
    ("{{ name|truncate(10000000) }}", "넘는 상수"),
    ("{{ '" + "가" * 300 + "' }}", "넘는 상수"),
    ("{{ nmae }}님", "{{ nmae }}은(는) 없는 자리표시자입니다"),
    ("{% if %}", "1번째 줄을 이해할 수 없습니다"),
    ("가" * 20_001, "20000자를 넘을 수 없습니다"),
]


@pytest.mark.parametrize(("body", "message"), REFUSED)
def test_saving_refuses_what_is_more_than_placeholders(
    client, auth, csrf_token, bus, body, message
):
    response = _save(client, auth, csrf_token, bus, body=body)
    assert response.status_code == 422
    assert message in _field_error(response, "body")
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_the_subject_is_held_to_the_same_rules(client, auth, csrf_token, bus):
    response = _save(client, auth, csrf_token, bus, subject="{% include 'base.html' %}")
    assert response.status_code == 422
    assert "{% include %}" in _field_error(response, "subject")
    assert _field_error(response, "body") == ""
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_placeholders_conditions_and_letters_of_a_name_are_saved(client, auth, csrf_token, bus):
    body = (
        "{% if name == '구독자' %}안녕하세요.{% else %}{{ name[0] }}{{ name[1:] }}님,{% endif %}\n"
        "{{ project|upper }} {{ field|default('전체') }}\n" + LINK + "{{ link(1) }}"
    )
    response = _save(client, auth, csrf_token, bus, subject="{{ name|trim }}님", body=body)
    assert response.status_code == 302
    assert db.session.scalar(select(Campaign.body)) == body


def test_a_template_that_fails_for_a_one_letter_name_is_refused_on_save(
    client, auth, csrf_token, bus
):
    response = _save(client, auth, csrf_token, bus, body="{{ name[2] }}님, 안녕하세요.")
    assert response.status_code == 422
    error = _field_error(response, "body")
    assert "이름이 「김」인 받는 사람에게" in error and "메일 내용을 만들 수 없습니다" in error
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


@pytest.mark.parametrize(
    "body",
    [
        "{{ '<b>굵게</b>'|safe }}",
        "{% autoescape false %}{{ '<b>굵게</b>' }}{% endautoescape %}",
        "{% filter safe %}<b>굵게</b>{% endfilter %}",
    ],
)
def test_raw_html_cannot_reach_the_html_part_even_from_a_stored_campaign(bus, body):
    campaign = create_campaign(bus, kind=CampaignKind.INFORMATION, body=body)  # not through save
    with pytest.raises(TemplateProblem):
        compile_campaign(campaign)


def test_staff_text_and_values_stay_escaped_in_the_html_part(bus):
    body = "<i>기울임</i> {{ '<b>굵게</b>' }} {{ field|default('<u>밑줄</u>') }} {{ name|upper }}"
    campaign = create_campaign(bus, kind=CampaignKind.INFORMATION, body=body)
    mail = compile_campaign(campaign).render(token="t", name="<script>x</script>")
    for tag in ("<i>", "<b>", "<u>", "<script>", "<SCRIPT>"):
        assert tag not in mail.html
    assert "&lt;i&gt;기울임" in mail.html and "&lt;b&gt;굵게" in mail.html
    assert "&lt;SCRIPT&gt;X" in mail.html


def test_render_fails_with_a_reason_on_an_oversized_message(bus):
    campaign = create_campaign(bus, kind=CampaignKind.INFORMATION, body="{{ name }}님")
    compiled = compile_campaign(campaign)
    assert compiled.render(token="t", name="홍길동").text.startswith("홍길동님")
    with pytest.raises(TemplateProblem) as problem:
        compiled.render(token="t", name="가" * (MAX_OUTPUT + 1))
    assert "만든 메일이 너무 큽니다" in str(problem.value)


def test_render_fails_with_a_reason_for_one_recipient_and_not_the_others(bus):
    campaign = create_campaign(bus, kind=CampaignKind.INFORMATION, body="{{ name[2] }}님")
    compiled = compile_campaign(campaign)  # stored before the edge check existed
    assert compiled.render(token="t", name="홍길동").text.startswith("동님")
    with pytest.raises(TemplateProblem) as problem:
        compiled.render(token="t", name="김")
    assert "메일 내용을 만들 수 없습니다" in str(problem.value)
    assert compiled.render(token="t", name="남궁민수").text.startswith("민님")


def test_preview_says_why_a_recipient_cannot_get_the_mail(client, auth, bus):
    create_subscribers(2, fields=("living",))
    db.session.execute(db.update(Subscriber).where(Subscriber.name == "주민0").values(name="김"))
    db.session.commit()
    kim = db.session.scalar(select(Subscriber).where(Subscriber.name == "김"))
    campaign = create_campaign(
        bus, kind=CampaignKind.INFORMATION, segment=create_segment(), body="{{ name[2] }}님"
    )
    auth.login("pr@example.kr")
    response = client.get(f"/campaigns/{campaign.id}/preview?subscriber={kim.id}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "이 받는 사람에게 보낼 메일을 만들 수 없습니다" in page
    assert "메일 내용을 만들 수 없습니다" in page
    other = db.session.scalar(select(Subscriber.id).where(Subscriber.name == "주민1"))
    assert client.get(f"/campaigns/{campaign.id}/preview?subscriber={other}").status_code == 200


def test_the_html_part_shows_a_button_and_words_never_a_bare_tracking_url(bus):
    body = (
        "{{ name }}님, 의견을 들려주세요.\n\n{{ survey_link }}\n\n자세히: https://www.sd.go.kr/bus"
    )
    campaign = create_campaign(bus, body=body)  # a survey campaign
    mail = compile_campaign(campaign).render(token="tok123", name="홍길동")
    visible = re.sub(r"<[^>]+>", " ", mail.html)  # what a reader sees, without the tags
    assert "설문 참여하기" in visible and "수신거부" in visible and "수신 설정 바꾸기" in visible
    assert "/c/tok123/" not in visible and "/u/tok123" not in visible
    assert "https://www.sd.go.kr/bus" in visible  # a link staff typed shows as they typed it
    assert re.search(r'<a href="[^"]*/c/tok123/0"[^>]*>설문 참여하기</a>', mail.html)
    assert "성동구청" in visible and bus.department.name_ko in visible  # who it is from
    # The text part keeps the addresses: it has nothing else to click.
    assert "/c/tok123/0" in mail.text and "/u/tok123" in mail.text


@pytest.mark.parametrize(
    "source",
    [
        "{{ name }}님, 설문에 참여해 주세요 {{ survey_link }}\n",
        "{{name}}님 {{- ' ' -}} 안녕하세요",  # a constant: Jinja's own render
        "  {{- name }}님 {{ link(2) }} {{ link(1) }}",
        "{% if name %}{{ name }}님{% endif %} 안내",
        "글자만 있는 안내\n\n",
    ],
)
def test_plain_placeholders_render_as_jinja_does(source):
    from pcrm.campaigns.templating import TEXT, Substitution, compile_text

    values = {
        "name": "김<민>지", "survey_link": "https://pcrm.kr/r/aB3", "link": lambda n: f"L{n}",
    }  # fmt: skip
    compiled = compile_text(source)
    assert compiled.render(values) == TEXT.from_string(source).render(values)
    simple = "{%" not in source and "'" not in source
    assert isinstance(compiled, Substitution) is simple


LATIN_WORDS = re.compile(r"[A-Za-z]{4,}")  # English words; placeholders are matched apart


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("{{ name }", "「}」가 짝이 맞지 않습니다"),
        ("{{ name", "「{{」를 열고 「}}」로 닫지 않았습니다"),
        ("{% if name %}님", "{% if %}로 연 조건을 {% endif %}로 닫아 주세요"),
        ("{% foo %}", "「foo」는 쓸 수 없습니다"),
        ("{{ name name }}", "자리표시자 하나만 씁니다"),
        ("{{ na!me }}", "쓸 수 없는 글자 「!」"),
        ("{{ }}", "안이 비어 있습니다"),
        ("{{ name[ }}", "「[」를 닫지 않았습니다"),
        ("{# 메모", "주석을 「#}」로 닫아 주세요"),
    ],
)
def test_syntax_errors_are_explained_in_korean_not_in_jinjas_english(
    client, auth, csrf_token, bus, body, words
):
    response = _save(client, auth, csrf_token, bus, body=body)
    error = _field_error(response, "body")
    assert words in error
    leftover = LATIN_WORDS.findall(
        error.replace("name", "").replace("endif", "").replace("foo", "")
    )
    assert leftover == [], error


def test_a_value_that_cannot_fill_the_template_is_explained_in_korean(bus):
    campaign = create_campaign(bus, kind=CampaignKind.INFORMATION, body="{{ name[2] }}님")
    with pytest.raises(TemplateProblem) as problem:
        compile_campaign(campaign).render(token="t", name="김")
    assert "자리표시자를 확인하세요" in str(problem.value)
    assert "UndefinedError" not in str(problem.value) and "index" not in str(problem.value)
