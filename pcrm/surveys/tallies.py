"""The aggregate queries behind results: counts grouped in the database, never row by row."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, literal

from pcrm.extensions import db
from pcrm.surveys.models import Answer, Response

DIMENSIONS = {
    "age_band": Response.age_band,
    "gender": Response.gender,
    "dong": Response.dong_id,
    "kind": Response.kind,
}
ValueKey = tuple[str, object]  # ("c", choice id) | ("n", scale point) | ("o", None): "other"


def value_key(choice_id: int | None, number: float | None) -> ValueKey:
    if choice_id is not None:
        return ("c", choice_id)
    if number is not None:
        return ("n", int(number))
    return ("o", None)


@dataclass
class Tally:
    """Per question, grouped by `group` (a tuple of respondent dimensions)."""

    values: dict[int, dict[ValueKey, dict[tuple, int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )
    respondents: dict[int, dict[tuple, int]] = field(default_factory=lambda: defaultdict(dict))
    sums: dict[int, dict[tuple, float]] = field(default_factory=lambda: defaultdict(dict))


def _columns(names: tuple[str, ...]) -> list:
    return [DIMENSIONS[name].label(name) for name in names]


def _add(table: dict, key: tuple, amount) -> None:
    table[key] = table.get(key, 0) + amount


def _value_counts(result: Tally, survey_id: int, question_ids: list[int], columns) -> None:
    query = (
        db.select(Answer.question_id, Answer.choice_id, Answer.number, *columns, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey_id, Answer.question_id.in_(question_ids))
        .group_by(Answer.question_id, Answer.choice_id, Answer.number, *columns)
    )
    for question_id, choice_id, number, *where, count in db.session.execute(query):
        _add(result.values[question_id][value_key(choice_id, number)], tuple(where), count)


def _people(result: Tally, survey_id: int, multiple_ids: list[int], columns) -> None:
    """Respondents and sums per question: one answer row each, except for multiple choice."""
    single = (
        db.select(Answer.question_id, *columns, func.count(), func.sum(Answer.number))
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey_id, Answer.question_id.not_in(multiple_ids))
        .group_by(Answer.question_id, *columns)
    )
    pairs = (
        db.select(Answer.question_id, Answer.response_id)
        .where(Answer.question_id.in_(multiple_ids))
        .distinct()
        .subquery()
    )
    multiple = (
        db.select(pairs.c.question_id, *columns, func.count(), literal(0.0))
        .join(Response, Response.id == pairs.c.response_id)
        .where(Response.survey_id == survey_id)
        .group_by(pairs.c.question_id, *columns)
    )
    for query in (single, multiple) if multiple_ids else (single,):
        for question_id, *where, respondents, total in db.session.execute(query):
            result.respondents[question_id][tuple(where)] = respondents
            result.sums[question_id][tuple(where)] = total or 0.0


def tally(
    survey_id: int, distribution_ids: list[int], multiple_ids: list[int], group: tuple[str, ...]
) -> Tally:
    """Counts of each value of the distribution questions; respondents and sums of all."""
    result = Tally()
    columns = _columns(group)
    _value_counts(result, survey_id, distribution_ids, columns)
    _people(result, survey_id, multiple_ids, columns)
    return result


def collapse(source: Tally, index: int) -> Tally:
    """The same tally grouped by one of its dimensions only."""
    result = Tally()
    for question_id, values in source.values.items():
        for key, cells in values.items():
            for cell, count in cells.items():
                _add(result.values[question_id][key], (cell[index],), count)
    for question_id, cells in source.respondents.items():
        for cell, count in cells.items():
            _add(result.respondents[question_id], (cell[index],), count)
            _add(result.sums[question_id], (cell[index],), source.sums[question_id][cell])
    return result


@dataclass(frozen=True)
class Extremes:
    minimum: float | None
    maximum: float | None
    first: date | None
    last: date | None
    texts: int


def extremes(survey_id: int) -> dict[int, Extremes]:
    """Smallest and largest number and date, and how many texts, per question."""
    query = (
        db.select(
            Answer.question_id,
            func.min(Answer.number),
            func.max(Answer.number),
            func.min(Answer.date_value),
            func.max(Answer.date_value),
            func.count(Answer.text),
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey_id)
        .group_by(Answer.question_id)
    )
    return {row[0]: Extremes(*row[1:]) for row in db.session.execute(query)}


def respondent_cells(survey_id: int) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """Respondents per (age band, gender), and per source."""
    query = (
        db.select(Response.source, Response.age_band, Response.gender, func.count())
        .where(Response.survey_id == survey_id)
        .group_by(Response.source, Response.age_band, Response.gender)
    )
    cells: dict[tuple[str, str], int] = defaultdict(int)
    sources: dict[str, int] = defaultdict(int)
    for source, band, gender, count in db.session.execute(query):
        cells[(band, gender and gender.value)] += count
        sources[source.value] += count
    return dict(cells), dict(sources)


def _local_day(column):
    """The day in Asia/Seoul (no daylight saving: a fixed +9 hours) of a UTC timestamp."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Seoul", column))
    return func.date(column, "+9 hours")


def timeline(survey_id: int) -> list[tuple[date, int]]:
    """Responses per day, in the district's calendar."""
    day = _local_day(Response.submitted_at)
    query = (
        db.select(day, func.count())
        .where(Response.survey_id == survey_id)
        .group_by(day)
        .order_by(day)
    )
    return [(date.fromisoformat(str(d)[:10]), count) for d, count in db.session.execute(query)]
