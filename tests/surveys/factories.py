"""Surveys, invitations and respondents for the survey tests; answering through the form."""

import re
from datetime import date, timedelta

from pcrm.auth.models import Role, User
from pcrm.campaigns.models import Campaign, CampaignKind, CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.projects.models import Project
from pcrm.subscribers.models import Channel, Dong, Gender, Subscriber
from pcrm.surveys import building, responding, service
from pcrm.surveys.answering import Value
from pcrm.surveys.building import QuestionSpec
from pcrm.surveys.models import QuestionKind, Survey
from tests.factories import create_department, create_project, create_user

THIS_YEAR = date.today().year


def create_staff(role: Role = Role.PR, email: str = "pr@example.kr", department=None) -> User:
    return create_user(email, role=role, department=department)


def create_survey(
    project: Project | None = None,
    *,
    user: User | None = None,
    title: str = "마을버스 이용 만족도 조사",
    anonymous: bool = False,
) -> Survey:
    """An empty draft survey (one section)."""
    if project is None:
        project = db.session.scalar(db.select(Project)) or create_project(create_department())
    user = user or db.session.scalar(db.select(User)) or create_staff()
    return service.create_survey(project=project, title=title, anonymous=anonymous, user=user)


def add(survey: Survey, kind: QuestionKind, text: str, section=None, **spec):
    section = section or survey.sections[-1]
    return building.add_question(
        survey, QuestionSpec(kind=kind, text=text, section_id=section.id, **spec)
    )


def create_bus_survey(project: Project | None = None, **options) -> Survey:
    """Two sections with branching: riders get a second page about satisfaction.

    Q1 uses the bus? (예/아니요) · Q2 routes (max 2, same page, only if 예) ·
    page 2 (only if 예): Q3 rating 1-5 · Q4 long text, optional.
    """
    survey = create_survey(project, **options)
    uses = add(survey, QuestionKind.SINGLE, "마을버스를 이용하십니까?", choices=("예", "아니요"))
    add(
        survey,
        QuestionKind.MULTIPLE,
        "주로 이용하는 노선을 고르세요.",
        choices=("성동01", "성동02", "성동03"),
        max_choices=2,
        required=False,
        condition_question_id=uses.id,
        condition_value="예",
    )
    page2 = building.add_section(survey, title="이용 만족도")
    condition = {"condition_question_id": uses.id, "condition_value": "예"}
    add(
        survey,
        QuestionKind.RATING,
        "마을버스 서비스에 얼마나 만족하십니까?",
        section=page2,
        low=1,
        high=5,
        low_label="매우 불만족",
        high_label="매우 만족",
        **condition,
    )
    add(survey, QuestionKind.LONG_TEXT, "개선할 점을 적어 주세요.", section=page2, required=False)
    return survey


def publish(survey: Survey, *, opens_in: timedelta = timedelta(0)) -> Survey:
    opens_at = utcnow() + opens_in if opens_in else None
    return service.publish_survey(
        survey, opens_at=opens_at, closes_at=utcnow() + opens_in + timedelta(days=14)
    )


def create_subscriber(
    birth_year: int | None = 1980, gender: Gender | None = Gender.FEMALE, name: str = "김민서"
) -> Subscriber:
    dong = db.session.scalar(db.select(Dong).order_by(Dong.position))
    count = db.session.scalar(db.select(db.func.count()).select_from(Subscriber))
    subscriber = Subscriber(
        name=name,
        birth_year=birth_year,
        gender=gender,
        dong=dong,
        phone=f"+821012{count:06d}",
        sms_opt_in=True,
    )
    db.session.add(subscriber)
    db.session.commit()
    return subscriber


def create_campaign(survey: Survey | None) -> Campaign:
    project = survey.project if survey else create_project(create_department("문화체육과"))
    campaign = Campaign(
        project=project,
        name="설문 안내",
        kind=CampaignKind.SURVEY if survey else CampaignKind.INFORMATION,
        status=CampaignStatus.SENT,
        survey_id=survey.id if survey else None,
    )
    db.session.add(campaign)
    db.session.commit()
    return campaign


def create_invitation(
    survey: Survey | None,
    subscriber: Subscriber | None = None,
    campaign: Campaign | None = None,
    wave: int = 0,
) -> Message:
    """A sent message inviting `subscriber` (a new one by default) to `survey`."""
    campaign = campaign or create_campaign(survey)
    message = Message(
        campaign=campaign,
        subscriber=subscriber or create_subscriber(),
        channel=Channel.SMS,
        wave=wave,
        sent_at=utcnow(),
    )
    db.session.add(message)
    db.session.commit()
    return message


def choice_id(survey: Survey, index: int, label: str) -> int:
    """The id of the choice labelled `label` of the survey's question number `index`."""
    return next(c.id for c in survey.questions[index].choices if c.label == label)


def hidden_value(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def post_page(client, url: str, html: str, **answers):
    """Submit the survey page `html` as a browser would: its hidden fields plus `answers`."""
    data = {"csrf_token": hidden_value(html, "csrf_token")}
    data |= {"submission": hidden_value(html, "submission"), "page": hidden_value(html, "page")}
    for name, value in re.findall(r'type="hidden" name="(q\d+(?:_other)?)" value="([^"]*)"', html):
        data.setdefault(name, []).append(value)
    data.update(answers)
    data.setdefault("action", "next")
    return client.post(url, data=data)


def answer_bus_survey(client, url: str, survey: Survey, rating: str = "4") -> str:
    """Answer create_bus_survey() at `url` as a rider, page by page; the last page's text."""
    q = [f"q{question.id}" for question in survey.questions]
    first = client.get(url).get_data(as_text=True)
    second = post_page(client, url, first, **{q[0]: str(choice_id(survey, 0, "예"))})
    done = post_page(client, url, second.get_data(as_text=True), **{q[2]: rating})
    return done.get_data(as_text=True)


def answer_as(survey, person, label: str, rating: int, text: str = "", key: str = ""):
    yes = next(c.id for c in survey.questions[0].choices if c.label == label)
    values = {survey.questions[0].id: Value(choice_ids=[yes])}
    values[survey.questions[2].id] = Value(number=rating)
    if text:
        values[survey.questions[3].id] = Value(text=text)
    message = create_invitation(survey, person)
    responding.submit_response(
        survey=survey, values=values, submission_key=key or message.token, message=message
    )


def create_skewed_survey() -> Survey:
    """50 women in their 40s say 예 and rate 5; 10 men in their 70s say 아니요 and rate 1."""
    survey = publish(create_bus_survey())
    for n in range(50):
        answer_as(survey, create_subscriber(THIS_YEAR - 45, Gender.FEMALE, f"가{n}"), "예", 5)
    for n in range(10):
        text = "배차 간격이 너무 길어요" if n < 3 else ""
        man = create_subscriber(THIS_YEAR - 75, Gender.MALE, f"나{n}")
        answer_as(survey, man, "아니요", 1, text)
    return survey
