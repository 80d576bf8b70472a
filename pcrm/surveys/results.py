"""Survey results: raw and weighted figures per question, cross-tabulations, free text."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from pcrm.extensions import db
from pcrm.inputs import like_pattern
from pcrm.subscribers.age import AGE_BANDS
from pcrm.subscribers.choices import AGE_BANDS as AGE_BAND_LABELS
from pcrm.subscribers.models import Dong, Gender, Kind
from pcrm.surveys import population, tallies, weighting
from pcrm.surveys.models import (
    CHOICE_KINDS,
    SCALE_KINDS,
    Answer,
    Question,
    QuestionKind,
    Response,
    Survey,
)
from pcrm.surveys.tallies import ValueKey
from pcrm.surveys.weighting import Weighting

SMALL_CELL = 5  # residents' page: counts below this are hidden
TEXT_PAGE = 50
DISTRIBUTION_KINDS = (*CHOICE_KINDS, *SCALE_KINDS)


@dataclass
class Row:
    key: ValueKey
    label: str
    count: int
    percent: float | None
    weighted: float | None = None


@dataclass
class QuestionResult:
    question: Question
    number: int
    respondents: int
    rows: list[Row] = field(default_factory=list)
    mean: float | None = None
    weighted_mean: float | None = None
    extremes: tallies.Extremes | None = None
    moe: float | None = None
    weighted_moe: float | None = None
    weighted_base: int = 0


@dataclass
class Results:
    survey: Survey
    total: int
    sources: dict[str, int]
    weighting: Weighting
    questions: list[QuestionResult]
    timeline: list[tuple[date, int]]
    tally: tallies.Tally  # by (age band, gender): cross-tabulations by either reuse it


def value_labels(question: Question) -> list[tuple[ValueKey, str]]:
    """Every possible answer of a choice or scale question, in order, with its label."""
    if question.kind in CHOICE_KINDS:
        labels = [(("c", c.id), c.label) for c in question.choices]
        return labels + ([(("o", None), _("기타"))] if question.other_option else [])
    ends = {question.low: question.low_label, question.high: question.high_label}
    return [
        (("n", p), f"{p} ({ends[p]})" if ends.get(p) else str(p)) for p in question.scale_points
    ]


def _percent(part: float, whole: float) -> float | None:
    return 100 * part / whole if whole else None


def _weighted_total(by_cell: dict[tuple, float], weights: Weighting) -> float:
    return sum(value * weights.weight(*cell) for cell, value in by_cell.items())


def _question_result(
    question: Question, number: int, tally: tallies.Tally, weights: Weighting
) -> QuestionResult:
    people = tally.respondents.get(question.id, {})
    respondents = sum(people.values())
    weighted_people = _weighted_total(people, weights)
    result = QuestionResult(question, number, respondents)
    if question.kind in DISTRIBUTION_KINDS:
        counts = tally.values.get(question.id, {})
        for key, label in value_labels(question):
            by_cell = counts.get(key, {})
            count = sum(by_cell.values())
            weighted = _percent(_weighted_total(by_cell, weights), weighted_people)
            result.rows.append(Row(key, label, count, _percent(count, respondents), weighted))
    if question.kind in (*SCALE_KINDS, QuestionKind.NUMBER) and respondents:
        sums = tally.sums.get(question.id, {})
        result.mean = sum(sums.values()) / respondents
        if weighted_people:
            result.weighted_mean = _weighted_total(sums, weights) / weighted_people
    result.moe = weighting.margin_of_error(respondents)
    known = {cell: n for cell, n in people.items() if cell in weights.weights}
    result.weighted_base = sum(known.values())
    if weights.weights and result.weighted_base:
        deff = weighting.design_effect(known, weights.weights)
        result.weighted_moe = weighting.margin_of_error(result.weighted_base, deff)
    return result


def survey_results(survey: Survey) -> Results:
    """Everything on the staff results page except cross-tabulations and free text."""
    cells, sources = tallies.respondent_cells(survey.id)
    targets = population.targets()
    weights = Weighting("none", targets=targets)
    if not survey.anonymous:
        weights = weighting.weigh(cells, targets)
    questions = survey.questions
    tally = tallies.tally(survey.id, *_question_ids(survey), ("age_band", "gender"))
    extremes = tallies.extremes(survey.id)
    results = []
    for number, question in enumerate(questions, start=1):
        result = _question_result(question, number, tally, weights)
        result.extremes = extremes.get(question.id)
        results.append(result)
    timeline = tallies.timeline(survey.id)
    return Results(survey, sum(sources.values()), sources, weights, results, timeline, tally)


def _question_ids(survey: Survey) -> tuple[list[int], list[int]]:
    """Ids of the questions with a distribution, and of the multiple-choice ones."""
    questions = survey.questions
    distribution = [q.id for q in questions if q.kind in DISTRIBUTION_KINDS]
    return distribution, [q.id for q in questions if q.kind is QuestionKind.MULTIPLE]


@dataclass
class CrossTab:
    question: Question
    number: int
    columns: list[tuple[object, str]]
    bases: dict[object, int]
    rows: list[tuple[str, list[tuple[int, float | None]]]]


def dimension_columns(dimension: str) -> list[tuple[object, str]]:
    unknown = [(None, _("알 수 없음"))]
    if dimension == "age_band":
        names = dict(AGE_BAND_LABELS)
        return [(b.code, str(names[b.code])) for b in AGE_BANDS] + unknown
    if dimension == "gender":
        return [(Gender.FEMALE, _("여성")), (Gender.MALE, _("남성")), *unknown]
    if dimension == "kind":
        return [(Kind.INDIVIDUAL, _("개인")), (Kind.BUSINESS, _("사업자")), *unknown]
    dongs = db.session.execute(db.select(Dong.id, Dong.name_ko).order_by(Dong.position))
    return [*dongs, *unknown]


def _tally_by(survey: Survey, dimension: str, by_cell: tallies.Tally | None) -> tallies.Tally:
    if by_cell is not None and dimension in ("age_band", "gender"):
        return tallies.collapse(by_cell, 0 if dimension == "age_band" else 1)
    return tallies.tally(survey.id, *_question_ids(survey), (dimension,))


def crosstabs(
    survey: Survey, dimension: str, by_cell: tallies.Tally | None = None
) -> list[CrossTab]:
    """Choice and scale questions broken down by a respondent dimension (column percentages).

    `by_cell`, the results' tally by age band and gender, spares a query for those two.
    """
    if survey.anonymous or dimension not in tallies.DIMENSIONS:
        return []
    questions = [q for q in survey.questions if q.kind in DISTRIBUTION_KINDS]
    tally = _tally_by(survey, dimension, by_cell)
    columns = dimension_columns(dimension)
    number = {q.id: n for n, q in enumerate(survey.questions, start=1)}
    tables = []
    for question in questions:
        bases = {key: tally.respondents[question.id].get((key,), 0) for key, _label in columns}
        counts = tally.values.get(question.id, {})
        rows = []
        for value, label in value_labels(question):
            cells = [counts.get(value, {}).get((key,), 0) for key, _label in columns]
            rows.append(
                (
                    label,
                    [(c, _percent(c, bases[k])) for c, (k, _l) in zip(cells, columns, strict=True)],
                )
            )
        tables.append(CrossTab(question, number[question.id], columns, bases, rows))
    return tables


def text_answers(
    question: Question, *, search: str = "", page: int = 1
) -> tuple[list[tuple[str, object]], int]:
    """Free-text answers (and "other" texts) newest first, filtered by `search`; and the total."""
    where = [Answer.question_id == question.id, Answer.text.is_not(None)]
    if search:
        where.append(Answer.text.ilike(like_pattern(search), escape="\\"))
    total = db.session.scalar(db.select(db.func.count()).select_from(Answer).where(*where))
    query = (
        db.select(Answer.text, Response.submitted_at)
        .join(Response, Response.id == Answer.response_id)
        .where(*where)
        .order_by(Answer.id.desc())
        .limit(TEXT_PAGE)
        .offset((max(page, 1) - 1) * TEXT_PAGE)
    )
    return [tuple(row) for row in db.session.execute(query)], total


@dataclass
class PublicQuestion:
    number: int
    question: Question
    respondents: int | None  # None: fewer than SMALL_CELL, hidden
    rows: list[tuple[str, int | None, float | None]]


def _suppressed(result: QuestionResult) -> list[tuple[str, int | None, float | None]]:
    """Rows with counts under SMALL_CELL hidden; when one answer alone is hidden in a question
    whose answers add up to its respondents, the next smallest is hidden too, so the total
    cannot give it away."""
    if result.respondents < SMALL_CELL:
        return [(row.label, None, None) for row in result.rows]
    hidden = {row.key for row in result.rows if row.count < SMALL_CELL}
    if len(hidden) == 1 and result.question.kind is not QuestionKind.MULTIPLE:
        shown = sorted((r for r in result.rows if r.key not in hidden), key=lambda r: r.count)
        hidden |= {shown[0].key} if shown else set()
    return [
        (row.label, None, None) if row.key in hidden else (row.label, row.count, row.percent)
        for row in result.rows
    ]


def public_results(survey: Survey) -> list[PublicQuestion]:
    """Raw counts of choice and scale questions, with small counts hidden."""
    public = []
    for result in survey_results(survey).questions:
        if result.question.kind not in DISTRIBUTION_KINDS:
            continue
        respondents = result.respondents if result.respondents >= SMALL_CELL else None
        public.append(
            PublicQuestion(result.number, result.question, respondents, _suppressed(result))
        )
    return public
