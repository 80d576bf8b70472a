"""The surveys blueprint, shared by the staff, resident and results views."""

from flask import Blueprint

from pcrm.auth.access import ensure_department
from pcrm.extensions import db
from pcrm.surveys.models import Survey

bp = Blueprint("surveys", __name__)


def staff_survey(survey_id: int) -> Survey:
    """The survey, if the signed-in person's department may see it (else a plain 404)."""
    survey = db.get_or_404(Survey, survey_id)
    ensure_department(survey.department_id)
    return survey
