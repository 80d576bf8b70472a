"""Staff build surveys: settings, sections, questions, order, publishing, copies."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from pcrm.errors import DomainError
from pcrm.extensions import db
from pcrm.i18n import localized
from pcrm.inputs import query_int
from pcrm.projects import service as projects_service
from pcrm.surveys import building, resident_views, results_views, service  # noqa: F401
from pcrm.surveys.blueprint import bp, staff_survey
from pcrm.surveys.forms import (
    KIND_LABELS,
    NewSurveyForm,
    PublishForm,
    QuestionForm,
    SectionForm,
    SettingsForm,
    seoul_to_utc,
)
from pcrm.surveys.models import Question, Section, Survey

__all__ = ["bp"]


def _part(model, survey: Survey, part_id: int):
    part = db.get_or_404(model, part_id)
    if part.survey_id != survey.id:
        abort(404)
    return part


def _back(survey: Survey, anchor: str = ""):
    return redirect(url_for(".edit", survey_id=survey.id) + anchor)


def _direction() -> int:
    return -1 if request.form.get("direction") == "up" else 1


@bp.get("/surveys/")
def index():
    """Surveys of the person's department (every survey for the PR office)."""
    return render_template("surveys/index.html", rows=service.surveys_for(current_user))


@bp.route("/surveys/new", methods=["GET", "POST"])
def new():
    """Start a draft survey for a project."""
    form = NewSurveyForm()
    projects = {p.id: p for p in projects_service.projects_to_use(current_user)}
    form.project.choices = [SelectChoice(pid, localized(p)) for pid, p in projects.items()]
    if form.validate_on_submit():
        project = projects[form.project.data]
        survey = service.create_survey(
            project=project,
            title=form.title.data,
            introduction=form.introduction.data or "",
            anonymous=form.anonymous.data,
            user=current_user,
        )
        flash(_("설문 초안을 만들었습니다. 질문을 추가하세요."), "success")
        return _back(survey)
    return render_template("surveys/new.html", form=form)


@bp.get("/surveys/<int:survey_id>")
def edit(survey_id: int):
    """The survey builder: sections, questions, order, publishing."""
    survey = staff_survey(survey_id)
    return render_template(
        "surveys/edit.html",
        survey=survey,
        responses=service.response_count(survey),
        kind_labels=KIND_LABELS,
        publish_form=PublishForm(),
        section_form=SectionForm(),
    )


@bp.route("/surveys/<int:survey_id>/settings", methods=["GET", "POST"])
def settings(survey_id: int):
    """Title, introduction, anonymity, public link and public results."""
    survey = staff_survey(survey_id)
    form = SettingsForm(obj=survey, public_link=survey.public_slug is not None)
    if form.validate_on_submit():
        try:
            service.update_survey(
                survey,
                title=form.title.data,
                introduction=form.introduction.data or "",
                anonymous=form.anonymous.data,
                public_link=form.public_link.data,
                results_public=form.results_public.data,
            )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("설정을 저장했습니다."), "success")
            return _back(survey)
    return render_template("surveys/settings.html", survey=survey, form=form)


def _question_form(survey: Survey, question: Question | None) -> QuestionForm:
    form = QuestionForm()
    form.section.choices = [
        SelectChoice(s.id, s.title or _("구역 %(n)d", n=n))
        for n, s in enumerate(survey.sections, start=1)
    ]
    conditions = building.condition_options(survey, question)
    form.condition.choices = [
        SelectChoice("", _("항상 표시")),
        *(SelectChoice(value, label) for value, label in conditions),
    ]
    if request.method == "GET" and question is not None:
        form.fill_from(question)
    elif request.method == "GET":
        form.section.data = query_int("section")
    return form


@bp.route("/surveys/<int:survey_id>/questions/new", methods=["GET", "POST"])
@bp.route("/surveys/<int:survey_id>/questions/<int:question_id>", methods=["GET", "POST"])
def question(survey_id: int, question_id: int | None = None):
    """Add a question, or change one (until the survey has responses)."""
    survey = staff_survey(survey_id)
    existing = _part(Question, survey, question_id) if question_id else None
    form = _question_form(survey, existing)
    if form.validate_on_submit():
        try:
            if existing is None:
                saved = building.add_question(survey, form.spec())
            else:
                saved = building.update_question(existing, form.spec())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("질문을 저장했습니다."), "success")
            return _back(survey, f"#question-{saved.id}")
    return render_template("surveys/question.html", survey=survey, question=existing, form=form)


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>/move")
def move_question(survey_id: int, question_id: int):
    """Move a question up or down (across sections at the ends)."""
    survey = staff_survey(survey_id)
    question = _part(Question, survey, question_id)
    try:
        building.move_question(question, direction=_direction())
    except DomainError as error:
        flash(error.message, "error")
    return _back(survey, f"#question-{question_id}")


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>/delete")
def delete_question(survey_id: int, question_id: int):
    """Delete a question."""
    survey = staff_survey(survey_id)
    try:
        building.delete_question(_part(Question, survey, question_id))
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("질문을 지웠습니다."), "success")
    return _back(survey)


@bp.post("/surveys/<int:survey_id>/sections")
def add_section(survey_id: int):
    """Add a section (a page residents answer at once)."""
    survey = staff_survey(survey_id)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            building.add_section(
                survey, title=form.title.data or "", description=form.description.data or ""
            )
        except DomainError as error:
            flash(error.message, "error")
    return _back(survey)


@bp.route("/surveys/<int:survey_id>/sections/<int:section_id>", methods=["GET", "POST"])
def section(survey_id: int, section_id: int):
    """Rename a section or change its description."""
    survey = staff_survey(survey_id)
    part = _part(Section, survey, section_id)
    form = SectionForm(obj=part)
    if form.validate_on_submit():
        try:
            building.update_section(
                part, title=form.title.data or "", description=form.description.data or ""
            )
        except DomainError as error:
            flash(error.message, "error")
        return _back(survey, f"#section-{part.id}")
    return render_template("surveys/section.html", survey=survey, section=part, form=form)


@bp.post("/surveys/<int:survey_id>/sections/<int:section_id>/move")
def move_section(survey_id: int, section_id: int):
    """Move a section up or down."""
    survey = staff_survey(survey_id)
    try:
        building.move_section(_part(Section, survey, section_id), direction=_direction())
    except DomainError as error:
        flash(error.message, "error")
    return _back(survey, f"#section-{section_id}")


@bp.post("/surveys/<int:survey_id>/sections/<int:section_id>/delete")
def delete_section(survey_id: int, section_id: int):
    """Delete an empty section."""
    survey = staff_survey(survey_id)
    try:
        building.delete_section(_part(Section, survey, section_id))
    except DomainError as error:
        flash(error.message, "error")
    return _back(survey)


@bp.post("/surveys/<int:survey_id>/publish")
def publish(survey_id: int):
    """Publish with opening and closing times (Asia/Seoul)."""
    survey = staff_survey(survey_id)
    form = PublishForm()
    if not form.validate_on_submit():
        flash(_("마감 시각을 입력하세요."), "error")
        return _back(survey)
    try:
        service.publish_survey(
            survey,
            opens_at=seoul_to_utc(form.opens_at.data),
            closes_at=seoul_to_utc(form.closes_at.data),
        )
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("설문을 게시했습니다."), "success")
    return _back(survey)


@bp.post("/surveys/<int:survey_id>/close")
def close(survey_id: int):
    """Close early: no responses from now on."""
    survey = staff_survey(survey_id)
    try:
        service.close_survey(survey)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("설문을 마감했습니다."), "success")
    return _back(survey)


@bp.post("/surveys/<int:survey_id>/copy")
def copy(survey_id: int):
    """Copy the survey into a new draft (how a locked survey is changed)."""
    survey = service.copy_survey(staff_survey(survey_id), user=current_user)
    flash(_("설문을 복사했습니다. 사본은 초안입니다."), "success")
    return _back(survey)
