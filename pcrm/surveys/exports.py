"""Raw responses as CSV and XLSX, with a codebook saying what every column holds; every
download of the responses is in the access log.

Residents' free text is untrusted: `pcrm.spreadsheets` keeps it from being read as a formula.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func

from pcrm.auth.models import User
from pcrm.errors import NotFound
from pcrm.extensions import db
from pcrm.spreadsheets import csv_bytes, xlsx_workbook
from pcrm.subscribers.models import Dong
from pcrm.subscribers.service import record_export
from pcrm.surveys.forms import KIND_LABELS
from pcrm.surveys.models import CHOICE_KINDS, Answer, Question, QuestionKind, Response, Survey
from pcrm.surveys.results import value_labels

SEOUL = ZoneInfo("Asia/Seoul")
RESPONDENT_COLUMNS = ("age_band", "gender", "dong", "kind")


@dataclass(frozen=True)
class Variable:
    name: str
    question: Question | None
    description: str
    values: str = ""


def _question_variables(number: int, question: Question) -> list[Variable]:
    base = f"Q{number}"
    kind = str(KIND_LABELS[question.kind])
    if question.kind is QuestionKind.MULTIPLE:
        title = f"{question.text} [{kind}]"
        return [
            Variable(f"{base}_{n}", question, title, _("1=%(label)s, 0=아님", label=c.label))
            for n, c in enumerate(question.choices, start=1)
        ]
    values = ""
    if question.kind in CHOICE_KINDS:
        values = _("선택지 글자 그대로")
    elif question.scale_points:
        values = ", ".join(label for _key, label in value_labels(question))
    variables = [Variable(base, question, f"{question.text} [{kind}]", values)]
    if question.other_option:
        variables.append(Variable(f"{base}_other", question, _("기타 (직접 입력)")))
    return variables


def variables(survey: Survey) -> list[Variable]:
    """Every column of the export, in order."""
    columns = [
        Variable("response_id", None, _("응답 번호")),
        Variable("submitted_at", None, _("응답 시각 (서울)")),
        Variable("source", None, _("응답 경로"), _("invitation=초대 링크, public_link=공개 링크")),
    ]
    if not survey.anonymous:
        columns += [
            Variable("age_band", None, _("연령대 (응답 당시)"), "u20, 20s, ..., 70p"),
            Variable("gender", None, _("성별"), "female, male"),
            Variable("dong", None, _("행정동")),
            Variable("kind", None, _("구분"), "individual, business"),
        ]
    for number, question in enumerate(survey.questions, start=1):
        columns += _question_variables(number, question)
    return columns


def _fill(row: dict, question: Question, number: int, answer) -> None:
    _rid, _qid, choice_id, value, text, day = answer
    base = f"Q{number}"
    if question.kind is QuestionKind.MULTIPLE:
        for n, choice in enumerate(question.choices, start=1):
            row.setdefault(f"{base}_{n}", 0)
            if choice.id == choice_id:
                row[f"{base}_{n}"] = 1
    elif choice_id is not None:
        row[base] = next(c.label for c in question.choices if c.id == choice_id)
    elif question.kind in CHOICE_KINDS:
        row[f"{base}_other"], row[base] = text, row.get(base) or _("기타")
    else:
        row[base] = (
            day or text or (int(value) if value is not None and value.is_integer() else value)
        )


def rows(survey: Survey) -> list[dict]:
    """One dict per response, keyed by variable name."""
    dongs = dict(db.session.execute(db.select(Dong.id, Dong.name_ko)).all())
    table: dict[int, dict] = {}
    query = db.select(Response).where(Response.survey_id == survey.id).order_by(Response.id)
    for response in db.session.scalars(query):
        table[response.id] = {
            "response_id": response.id,
            "submitted_at": response.submitted_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M"),
            "source": response.source.value,
            "age_band": response.age_band,
            "gender": response.gender and response.gender.value,
            "dong": dongs.get(response.dong_id),
            "kind": response.kind and response.kind.value,
        }
    numbered = {q.id: (n, q) for n, q in enumerate(survey.questions, start=1)}
    answers = (
        db.select(
            Answer.response_id,
            Answer.question_id,
            Answer.choice_id,
            Answer.number,
            Answer.text,
            Answer.date_value,
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey.id)
    )
    for answer in db.session.execute(answers):
        number, question = numbered[answer.question_id]
        _fill(table[answer.response_id], question, number, answer)
    return list(table.values())


def _matrix(survey: Survey) -> tuple[list[str], list[list]]:
    names = [v.name for v in variables(survey)]
    return names, [[row.get(name) for name in names] for row in rows(survey)]


def _codebook(survey: Survey) -> tuple[list[str], list[list[str]]]:
    header = [_("변수"), _("설명"), _("값")]
    return header, [[v.name, v.description, v.values] for v in variables(survey)]


def responses_csv(survey: Survey) -> bytes:
    return csv_bytes(*_matrix(survey))


def codebook_csv(survey: Survey) -> bytes:
    return csv_bytes(*_codebook(survey))


def responses_xlsx(survey: Survey) -> bytes:
    """A workbook with the responses and the codebook as two sheets."""
    return xlsx_workbook([(_("응답"), *_matrix(survey)), (_("코드북"), *_codebook(survey))])


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# name: (mimetype, builder, whether it holds residents' answers and goes in the access log)
FILES = {
    "responses.csv": ("text/csv; charset=utf-8", responses_csv, True),
    "codebook.csv": ("text/csv; charset=utf-8", codebook_csv, False),
    "responses.xlsx": (XLSX, responses_xlsx, True),
}


def export_survey(survey: Survey, *, name: str, user: User) -> tuple[str, bytes]:
    """One of the survey's export files (mimetype, body); the responses go in the access log."""
    if name not in FILES:
        raise NotFound(_("내려받을 수 없는 파일입니다."))
    mimetype, build, personal = FILES[name]
    if personal:
        count = db.session.scalar(
            db.select(func.count(Response.id)).where(Response.survey_id == survey.id)
        )
        what = _("설문 응답 내려받기 (%(file)s): %(title)s", file=name, title=survey.title)
        record_export(user=user, what=what, record_count=count)
    return mimetype, build(survey)
