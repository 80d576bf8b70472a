"""Demo surveys for the reference projects: three published, two of them already answered by
the recipients of the demo campaigns (pcrm/demo/sent.py calls record_responses).

Respondents answer the way real ones do: people in their 40s answer far more often than people
in their 20s or 70s, and their answers lean with age, so the weighted results visibly differ.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pcrm.auth.models import User
from pcrm.db import bulk_insert, bulk_insert_returning_ids, utcnow
from pcrm.demo.survey_texts import COMMENTS, LONG, NUM, SHORT, SURVEYS, T10, M, R, S
from pcrm.extensions import db
from pcrm.projects.models import Project
from pcrm.subscribers.age import age_band
from pcrm.subscribers.models import Kind
from pcrm.surveys import building, population, service
from pcrm.surveys.building import QuestionSpec
from pcrm.surveys.models import Answer, Question, Response, ResponseSource, Survey

# How likely someone of each age band is to answer an invitation (the 40s answer most).
PROPENSITY = {"u20": 0.03, "20s": 0.05, "30s": 0.12, "40s": 0.30, "50s": 0.16, "60s": 0.08}
PROPENSITY["70p"] = 0.04
BUSINESS_PROPENSITY = 0.04
# Published demo surveys by project: (opens in days from now, closes in days, closed early).
# The first two were sent ten days ago (demo campaigns); housing opens soon, its campaign waits
# for approval.
PUBLISHED = {
    "성동 마을버스 운영": (-12, 7, False),
    "생활 폐기물 감량 정책": (-12, 7, True),
    "공동주택 활성화 정책": (2, 30, False),
    # Invited by text, and by e-mail with texts to those with only a phone (demo/campaigns.py).
    "생활안전체험교육장 운영": (-9, 10, False),
    "구민주도형 응봉산 개나리 축제": (-6, 14, False),
}


def _spec(question: dict, section_id: int, made: list[Question]) -> QuestionSpec:
    options = {k: v for k, v in question.items() if k not in ("if", "lean")}
    if "if" in question:
        index, value = question["if"]
        options |= {"condition_question_id": made[index].id, "condition_value": value}
    return QuestionSpec(section_id=section_id, **options)


def _build(project: Project, user: User, entry) -> Survey:
    _name, title, intro, anonymous, sections = entry
    survey = service.create_survey(
        project=project, title=title, introduction=intro, anonymous=anonymous, user=user
    )
    made: list[Question] = []
    for position, (section_title, questions) in enumerate(sections):
        if position == 0:
            section = survey.sections[0]
            building.update_section(section, title=section_title, description="")
        else:
            section = building.add_section(survey, title=section_title)
        for question in questions:
            made.append(building.add_question(survey, _spec(question, section.id, made)))
    return survey


def _pick(rng: random.Random, count: int, lean: float, age: int) -> int:
    """An answer index; with a lean, older people pick later options more (or less)."""
    tilt = lean * (age - 45) / 25
    weights = [max(0.05, 1 + tilt * (i - (count - 1) / 2)) for i in range(count)]
    return rng.choices(range(count), weights=weights)[0]


def _answers(rng: random.Random, questions: list, leans: dict[int, float], age: int) -> list:
    """One respondent's answer rows (every column: they go in by COPY)."""
    answers, chosen = [], {}
    for q in questions:
        if q.condition_question_id and chosen.get(q.condition_question_id) != q.condition_value:
            continue
        if not q.required and rng.random() < 0.4:
            continue
        lean = leans.get(q.id, 0.0)
        if q.kind is S or q.kind is M:
            picks = {_pick(rng, len(q.choices), lean, age) for _ in range(1 if q.kind is S else 2)}
            picks = sorted(picks)[: q.max_choices or len(picks)]
            chosen[q.id] = q.choices[picks[0]].label
            answers += [_answer(q, choice_id=q.choices[i].id) for i in picks]
        elif q.kind in (R, T10):
            answers.append(_answer(q, number=q.low + _pick(rng, q.high - q.low + 1, lean, age)))
        elif q.kind is NUM:
            answers.append(_answer(q, number=rng.choice((3, 5, 7, 10, 12, 15, 20))))
        elif q.kind in (SHORT, LONG):
            answers.append(_answer(q, text=rng.choice(COMMENTS)))
    return answers


def _answer(question: Question, **value) -> dict:
    empty = {"choice_id": None, "number": None, "text": None, "date_value": None}
    return {"question_id": question.id} | empty | value


@dataclass(frozen=True)
class Respondent:
    """Someone who answered from their invitation: the message and who it went to."""

    message_id: int
    subscriber_id: int
    birth_year: int | None
    gender: str | None
    dong_id: int | None
    kind: str
    submitted_at: datetime


def _response_row(survey: Survey, person: Respondent, today: date) -> dict:
    row = {"survey_id": survey.id, "source": ResponseSource.INVITATION.value}
    row |= {"submission_key": f"demo-{person.message_id}", "submitted_at": person.submitted_at}
    if survey.anonymous:  # as responding._profile: no link to the person or the message
        who = dict.fromkeys(("message_id", "subscriber_id", "age_band", "gender", "dong_id"))
        return row | who | {"kind": None}
    band = age_band(person.birth_year, today)
    return row | {
        "message_id": person.message_id,
        "subscriber_id": person.subscriber_id,
        "age_band": band.code if band else None,
        "gender": person.gender,
        "dong_id": person.dong_id,
        "kind": person.kind,
    }


def _leans(survey: Survey) -> dict[int, float]:
    """How each question of a demo survey leans with age (SURVEYS, matched by title)."""
    entry = next((e for e in SURVEYS if e[1] == survey.title), None)
    if entry is None:
        return {}
    specs = [question for _title, questions in entry[4] for question in questions]
    return {q.id: spec.get("lean", 0.0) for q, spec in zip(survey.questions, specs, strict=True)}


def record_responses(
    connection, survey: Survey, respondents: list[Respondent], rng: random.Random
) -> None:
    """The responses of those who answered `survey` from a demo campaign, in bulk."""
    today, questions, leans = date.today(), survey.questions, _leans(survey)
    rows, sheets = [], []
    for person in respondents:
        rows.append(_response_row(survey, person, today))
        age = today.year - person.birth_year if person.birth_year else 45
        sheets.append(_answers(rng, questions, leans, age))
    ids = bulk_insert_returning_ids(connection, Response.__table__, rows)
    answers = [a | {"response_id": i} for i, sheet in zip(ids, sheets, strict=True) for a in sheet]
    bulk_insert(connection, Answer.__table__, answers)


def respondent_propensity(birth_year: int | None, kind: str, today: date) -> float:
    """How likely someone who got the invitation is to answer it."""
    band = age_band(birth_year, today) if kind == Kind.INDIVIDUAL.value else None
    return PROPENSITY[band.code] if band else BUSINESS_PROPENSITY


def _publish(survey: Survey, opens_in: int, closes_in: int) -> None:
    opens = utcnow() + timedelta(days=opens_in)
    service.publish_survey(survey, opens_at=opens, closes_at=utcnow() + timedelta(days=closes_in))
    survey.published_at = min(survey.published_at, opens)  # as if published when it opened
    if opens_in < 0:  # already answered: share it on social media, publish the results
        settings = {"title": survey.title, "introduction": survey.introduction}
        service.update_survey(
            survey, anonymous=survey.anonymous, public_link=True, results_public=True, **settings
        )
    db.session.commit()


# Stand-ins of the right size for Seongdong-gu's residents, until staff enter the real figures
# on /surveys/population; the source says so on every results page.
DEMO_POPULATION = {
    "u20": {"female": 19_400, "male": 20_600},
    "20s": {"female": 23_100, "male": 20_900},
    "30s": {"female": 25_300, "male": 24_800},
    "40s": {"female": 22_700, "male": 22_100},
    "50s": {"female": 20_900, "male": 19_800},
    "60s": {"female": 17_600, "male": 15_900},
    "70p": {"female": 16_800, "male": 11_700},
}
DEMO_POPULATION_SOURCE = "데모용 예시 인원 (주민등록인구통계로 바꿔 주세요)"


def load_surveys(seed: int = 2015) -> int:
    """Build the demo surveys and publish some (PUBLISHED); demo campaigns bring the answers.
    Returns how many were made."""
    projects = {p.name_ko: p for p in db.session.scalars(db.select(Project))}
    admin = db.session.scalar(db.select(User).order_by(User.id))
    if population.current() is None:
        population.record(DEMO_POPULATION, DEMO_POPULATION_SOURCE, admin)
    made = 0
    for entry in SURVEYS:
        project = projects.get(entry[0])
        if project is None or admin is None:
            continue
        survey = _build(project, admin, entry)
        made += 1
        if entry[0] in PUBLISHED:
            opens_in, closes_in, closed_early = PUBLISHED[entry[0]]
            _publish(survey, opens_in, closes_in)
            if closed_early:
                service.close_survey(survey)
    return made
