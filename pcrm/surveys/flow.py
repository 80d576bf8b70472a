"""The resident's way through a survey without JavaScript: one section per page.

Every page posts all earlier answers again as hidden fields, so nothing is kept on the server
until the last page is submitted and the back button never loses an answer. A question whose
condition depends on a question on the same page is shown with a note (and hidden by script
where script runs); its answer counts only when the condition holds.
"""

import secrets
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from pcrm.surveys.answering import Value, field_name, parse, satisfied
from pcrm.surveys.models import Question, Section, Survey

NEXT, BACK = "next", "back"


@dataclass
class Page:
    section: Section
    questions: list[Question]


@dataclass
class Step:
    """What to show after a submission: a page (with errors), or done with the answers."""

    pages: list[Page]
    index: int
    values: dict[int, Value]
    errors: dict[int, str] = field(default_factory=dict)
    done: bool = False

    @property
    def page(self) -> Page:
        return self.pages[self.index]

    @property
    def last(self) -> bool:
        return self.index == len(self.pages) - 1

    @property
    def first_number(self) -> int:
        """The number of this page's first question. A question the resident did not see (its
        condition on an earlier page unmet) takes no number, so numbers never skip."""
        earlier = (q for page in self.pages[: self.index] for q in page.questions)
        return 1 + sum(1 for q in earlier if satisfied(q, self.values))

    def answers(self) -> dict[int, Value]:
        """The answers to record: shown questions only, empty ones left out."""
        shown = {q.id for page in self.pages for q in page.questions}
        return {qid: v for qid, v in self.values.items() if qid in shown and not v.empty}


def new_submission_key() -> str:
    """The form's idempotency key: the same form submitted twice records once."""
    return secrets.token_urlsafe(18)


def read_answers(survey: Survey, form: MultiDict) -> tuple[dict[int, Value], dict[int, str]]:
    """Parse every question whose condition holds, in order (conditions read earlier ones)."""
    values: dict[int, Value] = {}
    errors: dict[int, str] = {}
    for question in survey.questions:
        if not satisfied(question, values):
            continue
        values[question.id], error = parse(question, form)
        if error:
            errors[question.id] = error
    return values, errors


def pages_for(survey: Survey, values: dict[int, Value]) -> list[Page]:
    pages = []
    for section in survey.sections:
        here = {q.id for q in section.questions}
        shown = [
            q for q in section.questions if q.condition_question_id in here or satisfied(q, values)
        ]
        if shown:
            pages.append(Page(section, shown))
    return pages


def start(survey: Survey) -> Step:
    return Step(pages=pages_for(survey, {}), index=0, values={})


def _page_index(form: MultiDict, pages: list[Page]) -> int:
    try:
        index = int(form.get("page", 0))
    except ValueError:
        index = 0
    return min(max(index, 0), len(pages) - 1)


def _errors_on(page: Page, errors: dict[int, str]) -> dict[int, str]:
    return {q.id: errors[q.id] for q in page.questions if q.id in errors}


def advance(survey: Survey, form: MultiDict) -> Step:
    """Where a submitted page leads: back, the same page with errors, the next page, or done."""
    values, errors = read_answers(survey, form)
    pages = pages_for(survey, values)
    index = _page_index(form, pages)
    if form.get("action") == BACK:
        return Step(pages, max(index - 1, 0), values)
    here = _errors_on(pages[index], errors)
    if here:
        return Step(pages, index, values, here)
    if index < len(pages) - 1:
        return Step(pages, index + 1, values)
    # The last page: an earlier page can still be wrong if its hidden fields were altered.
    for at, page in enumerate(pages):
        if here := _errors_on(page, errors):
            return Step(pages, at, values, here)
    return Step(pages, index, values, done=True)


def carried_fields(step: Step, form: MultiDict) -> list[tuple[str, str]]:
    """Hidden (name, value) pairs for the answers given on other pages."""
    on_page = {q.id for q in step.page.questions}
    carried = []
    for page in step.pages:
        for question in page.questions:
            if question.id in on_page:
                continue
            name = field_name(question)
            for key in (name, f"{name}_other"):
                carried += [(key, value) for value in form.getlist(key) if value]
    return carried
