from pcrm.demo import load_demo
from pcrm.extensions import db
from pcrm.surveys import results
from pcrm.surveys.models import Response, Survey, SurveyState


def test_demo_surveys_are_lived_in_and_loaded_once():
    load_demo(subscribers=2000, seed=7)
    surveys = list(db.session.scalars(db.select(Survey).order_by(Survey.id)))
    assert len(surveys) == 6
    bus, waste = surveys[:2]
    assert bus.state() is SurveyState.OPEN and waste.state() is SurveyState.CLOSED
    figures = results.survey_results(bus)
    assert figures.total > 30 and figures.weighting.method != "none"
    first = figures.questions[0]
    assert first.rows[0].weighted != first.rows[0].percent
    forties = sum(n for (band, _g), n in _cells(bus).items() if band == "40s")
    assert forties / figures.total > 0.3  # answered mostly by people in their 40s
    load_demo(subscribers=2000, seed=7)
    assert db.session.scalar(db.select(db.func.count()).select_from(Survey)) == 6


def _cells(survey):
    query = db.select(Response.age_band, Response.gender, db.func.count()).where(
        Response.survey_id == survey.id
    )
    rows = db.session.execute(query.group_by(Response.age_band, Response.gender))
    return {(band, gender): n for band, gender, n in rows}
