"""Staff read results: figures, cross-tabulations, free text, exports."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pcrm.auth.access import roles_required
from pcrm.auth.models import PR_OFFICE
from pcrm.extensions import db
from pcrm.forms import submit
from pcrm.inputs import page_number
from pcrm.surveys import exports, population, results
from pcrm.surveys.blueprint import bp, staff_survey
from pcrm.surveys.forms import PopulationForm
from pcrm.surveys.models import Question
from pcrm.surveys.tallies import DIMENSIONS


@bp.get("/surveys/<int:survey_id>/results")
def results_page(survey_id: int):
    """Per question counts and percentages, raw and weighted, and a cross-tabulation."""
    survey = staff_survey(survey_id)
    by = request.args.get("by", "age_band")
    by = by if by in DIMENSIONS else "age_band"
    figures = results.survey_results(survey)
    return render_template(
        "surveys/results.html",
        survey=survey,
        results=figures,
        by=by,
        crosstabs=results.crosstabs(survey, by, figures.tally),
        columns=results.dimension_columns(by),
    )


@bp.get("/surveys/<int:survey_id>/results/questions/<int:question_id>")
def text_answers(survey_id: int, question_id: int):
    """A question's free-text answers, searchable."""
    survey = staff_survey(survey_id)
    question = db.get_or_404(Question, question_id)
    if question.survey_id != survey.id:
        abort(404)
    search = (request.args.get("q") or "").strip()[:100]
    page = page_number()
    answers, total = results.text_answers(question, search=search, page=page)
    return render_template(
        "surveys/text_answers.html",
        survey=survey,
        question=question,
        answers=answers,
        total=total,
        search=search,
        page=page,
        per_page=results.TEXT_PAGE,
    )


@bp.get("/surveys/<int:survey_id>/export/<name>")
def export(survey_id: int, name: str):
    """Download the raw responses (CSV, XLSX) or the codebook."""
    survey = staff_survey(survey_id)
    mimetype, body = exports.export_survey(survey, name=name, user=current_user)
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="survey-{survey.id}-{name}"'},
    )


@bp.route("/surveys/population", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def population_figures():
    """The district's residents by age band × gender, which every survey is weighted to."""
    form = PopulationForm()
    history = population.history()
    current = history[0] if history else None
    if request.method == "GET" and current is not None:
        form.fill_from(current)
        form.source.data = current.source
    if submit(form, lambda: population.record(form.people(), form.source.data, current_user)):
        flash(_("기준 인구를 저장했습니다. 모든 설문의 가중 수치가 이 인원을 따릅니다."), "success")
        return redirect(url_for(".population_figures"))
    return render_template("surveys/population.html", form=form, current=current, history=history)
