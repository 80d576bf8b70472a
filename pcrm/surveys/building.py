"""Building a survey: sections and questions, their order, and the conditions between them.

Every change is refused once the survey has responses (service.ensure_unlocked), and refused
if it would leave a question depending on a later one.
"""

from dataclasses import dataclass

from flask_babel import gettext as _

from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.surveys.models import (
    CHOICE_KINDS,
    SCALE_KINDS,
    Choice,
    Question,
    QuestionKind,
    Section,
    Survey,
)
from pcrm.surveys.service import ensure_unlocked

MAX_SCALE_POINTS = 11


@dataclass(frozen=True)
class QuestionSpec:
    """What the question form says a question should be."""

    kind: QuestionKind
    text: str
    section_id: int
    help_text: str = ""
    required: bool = True
    choices: tuple[str, ...] = ()
    other_option: bool = False
    max_choices: int | None = None
    low: int | None = None
    high: int | None = None
    low_label: str = ""
    high_label: str = ""
    condition_question_id: int | None = None
    condition_value: str | None = None


def ordered_questions(survey: Survey) -> list[Question]:
    """Questions in residents' order, reading positions rather than loaded list order."""
    questions = [q for section in survey.sections for q in section.questions]
    return sorted(questions, key=lambda q: (q.section.position, q.position, q.id or 0))


def answer_values(question: Question) -> list[str]:
    """The values a later question's condition may name: choice labels or scale points."""
    if question.kind in CHOICE_KINDS:
        return [choice.label for choice in question.choices]
    return [str(point) for point in question.scale_points]


def condition_options(survey: Survey, before: Question | None = None) -> list[tuple[str, str]]:
    """(value, label) of every answer an earlier question can have, for the condition menu."""
    options = []
    for number, question in enumerate(ordered_questions(survey), start=1):
        if question is before:
            break
        for value in answer_values(question):
            words = _(
                "Q%(n)d(%(q)s)에 '%(v)s'라고 답한 사람에게만 보이기",
                n=number,
                q=question.text,
                v=value,
            )
            options.append((f"{question.id}:{value}", words))
    return options


def _fail(message: str):
    db.session.rollback()
    raise Invalid(message)


def _scale(spec: QuestionSpec) -> tuple[int | None, int | None]:
    if spec.kind is QuestionKind.SCALE_10:
        return 0, 10
    if spec.kind is QuestionKind.RATING:
        low, high = spec.low if spec.low is not None else 1, spec.high or 5
        if not 0 <= low < high or high - low + 1 > MAX_SCALE_POINTS:
            _fail(_("척도는 0 이상이고 끝이 시작보다 커야 하며 11단계를 넘을 수 없습니다."))
        return low, high
    if spec.kind is QuestionKind.NUMBER:
        if spec.low is not None and spec.high is not None and spec.low > spec.high:
            _fail(_("최솟값이 최댓값보다 클 수 없습니다."))
        return spec.low, spec.high
    return None, None


def _choice_labels(spec: QuestionSpec) -> list[str]:
    if spec.kind not in CHOICE_KINDS:
        return []
    labels = [label.strip() for label in spec.choices if label.strip()]
    if len(labels) < 2:
        _fail(_("선택지를 두 개 이상 적어 주세요 (한 줄에 하나씩)."))
    if len(set(labels)) != len(labels):
        _fail(_("같은 선택지가 두 번 있습니다."))
    limit = spec.max_choices if spec.kind is QuestionKind.MULTIPLE else None
    if limit is not None and not 1 <= limit <= len(labels):
        _fail(_("최대 선택 개수는 1과 선택지 수 사이여야 합니다."))
    return labels


def _set_choices(question: Question, labels: list[str]) -> None:
    """Keep choices whose label stays (conditions and answers refer to them), add the rest."""
    kept = {choice.label: choice for choice in question.choices}
    question.choices = [kept.get(label) or Choice(label=label) for label in labels]
    for position, choice in enumerate(question.choices):
        choice.position = position


def _apply(question: Question, spec: QuestionSpec, survey: Survey) -> None:
    with db.session.no_autoflush:
        _set_fields(question, spec, survey)


def _set_fields(question: Question, spec: QuestionSpec, survey: Survey) -> None:
    if not spec.text.strip():
        _fail(_("질문 내용을 적어 주세요."))
    section = db.session.get(Section, spec.section_id)
    if section is None or section.survey_id != survey.id:
        _fail(_("구역을 목록에서 고르세요."))
    if question.section is not section:
        question.section = section
        question.position = len(section.questions)
    question.kind, question.text, question.help_text = spec.kind, spec.text.strip(), spec.help_text
    question.required = spec.required
    question.other_option = spec.other_option and spec.kind is QuestionKind.SINGLE
    question.max_choices = spec.max_choices if spec.kind is QuestionKind.MULTIPLE else None
    question.low, question.high = _scale(spec)
    labelled = spec.kind in SCALE_KINDS
    question.low_label = spec.low_label.strip() if labelled else ""
    question.high_label = spec.high_label.strip() if labelled else ""
    _set_choices(question, _choice_labels(spec))
    question.condition_question_id = spec.condition_question_id
    question.condition_value = spec.condition_value if spec.condition_question_id else None


def _renumber(survey: Survey) -> None:
    sections = sorted(survey.sections, key=lambda s: (s.position, s.id or 0))
    for position, section in enumerate(sections):
        section.position = position
    for section in sections:
        questions = sorted(section.questions, key=lambda q: (q.position, q.id or 0))
        for position, question in enumerate(questions):
            question.position = position


def _check_conditions(survey: Survey) -> None:
    order = ordered_questions(survey)
    index = {question.id: n for n, question in enumerate(order)}
    for n, question in enumerate(order):
        if question.condition_question_id is None:
            continue
        target = db.session.get(Question, question.condition_question_id)
        if target is None or index.get(target.id, n) >= n:
            _fail(_("조건으로 쓰는 질문은 이 질문보다 앞에 있어야 합니다."))
        if question.condition_value not in answer_values(target):
            _fail(_("조건 값이 앞 질문의 답에 없습니다."))


def _save(survey: Survey) -> None:
    db.session.flush()
    _renumber(survey)
    _check_conditions(survey)
    db.session.commit()


def add_question(survey: Survey, spec: QuestionSpec) -> Question:
    ensure_unlocked(survey)
    question = Question(survey=survey, position=10_000)
    db.session.add(question)
    _apply(question, spec, survey)
    _save(survey)
    return question


def update_question(question: Question, spec: QuestionSpec) -> Question:
    ensure_unlocked(question.survey)
    _apply(question, spec, question.survey)
    _save(question.survey)
    return question


def _dependents(question: Question) -> list[Question]:
    query = db.select(Question).where(Question.condition_question_id == question.id)
    return list(db.session.scalars(query))


def delete_question(question: Question) -> None:
    survey = question.survey
    ensure_unlocked(survey)
    if _dependents(question):
        _fail(_("다른 질문의 표시 조건으로 쓰이는 질문은 지울 수 없습니다."))
    question.section.questions.remove(question)  # delete-orphan: the question and its choices
    _save(survey)


def _neighbour(items: list, item, direction: int):
    index = items.index(item) + direction
    return items[index] if 0 <= index < len(items) else None


def move_question(question: Question, *, direction: int) -> None:
    """Move up (-1) or down (+1); past the end of its section it goes to the next section."""
    survey = question.survey
    ensure_unlocked(survey)
    siblings = sorted(question.section.questions, key=lambda q: q.position)
    other = _neighbour(siblings, question, direction)
    if other is not None:
        question.position, other.position = other.position, question.position
    else:
        sections = sorted(survey.sections, key=lambda s: s.position)
        target = _neighbour(sections, question.section, direction)
        if target is None:
            return
        question.section = target
        question.position = -1 if direction > 0 else 10_000
    _save(survey)


def add_section(survey: Survey, *, title: str, description: str = "") -> Section:
    ensure_unlocked(survey)
    section = Section(title=title.strip(), description=description.strip())
    section.position = len(survey.sections)
    survey.sections.append(section)
    _save(survey)
    return section


def update_section(section: Section, *, title: str, description: str) -> Section:
    ensure_unlocked(section.survey)
    section.title, section.description = title.strip(), description.strip()
    db.session.commit()
    return section


def delete_section(section: Section) -> None:
    survey = section.survey
    ensure_unlocked(survey)
    if section.questions:
        _fail(_("질문이 있는 구역은 지울 수 없습니다. 질문을 먼저 옮기거나 지우세요."))
    if len(survey.sections) == 1:
        _fail(_("설문에는 구역이 하나 이상 있어야 합니다."))
    survey.sections.remove(section)
    _save(survey)


def move_section(section: Section, *, direction: int) -> None:
    survey = section.survey
    ensure_unlocked(survey)
    sections = sorted(survey.sections, key=lambda s: s.position)
    other = _neighbour(sections, section, direction)
    if other is not None:
        section.position, other.position = other.position, section.position
        _save(survey)
