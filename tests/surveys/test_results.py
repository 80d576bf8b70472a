import pytest

from pcrm.subscribers.age import AGE_BANDS
from pcrm.subscribers.models import Gender
from pcrm.surveys import results, service, weighting
from tests.surveys.factories import create_skewed_survey

# A district of 3,000 women and 2,000 men in every age band but the oldest, which is larger.
PEOPLE = {(band.code, "female"): 3000 for band in AGE_BANDS} | {
    (band.code, "male"): 2000 for band in AGE_BANDS
}
PEOPLE[("70p", "female")] = PEOPLE[("70p", "male")] = 6000
DISTRICT = weighting.population_targets(PEOPLE, "주민등록인구통계 (시험)")


def test_post_stratified_weights_reproduce_the_district_shares():
    counts = {cell: 10 for cell in DISTRICT.shares}
    counts[("40s", "female")] = 100  # answered mostly by women in their 40s
    w = weighting.weigh(counts, DISTRICT)
    n = sum(counts.values())
    assert w.method == "cells"
    for cell, people in PEOPLE.items():
        assert counts[cell] * w.weights[cell] / n == pytest.approx(people / sum(PEOPLE.values()))
    assert w.design_effect > 1


def test_sparse_cells_are_raked_to_the_margins():
    counts = {(band.code, "female"): 20 for band in AGE_BANDS[1:]}
    counts |= {(band, "male"): 10 for band in ("30s", "40s", "50s", "60s")}
    w = weighting.weigh(counts, DISTRICT)
    assert w.method == "raking" and w.missing_bands == ("u20",)
    n = sum(counts.values())
    women = sum(c * w.weights[cell] for cell, c in counts.items() if cell[1] == "female")
    present = {cell: p for cell, p in PEOPLE.items() if cell[0] != "u20"}  # nobody under 20
    assert women / n == pytest.approx(
        sum(p for cell, p in present.items() if cell[1] == "female") / sum(present.values())
    )
    forties = sum(c * w.weights[cell] for cell, c in counts.items() if cell[0] == "40s")
    assert forties / n == pytest.approx(5000 / sum(present.values()))


def test_until_figures_are_entered_the_registry_mix_stands_in():
    stand_in = weighting.registry_targets()
    assert stand_in.source is None
    assert stand_in.margin(1) == pytest.approx({"female": 0.5, "male": 0.5})
    assert sum(stand_in.shares.values()) == pytest.approx(1)


def test_too_few_respondents_are_not_weighted_and_the_margin_of_error_grows_with_weights():
    assert weighting.weigh({("40s", "female"): 3}, DISTRICT).method == "none"
    assert weighting.margin_of_error(1000) == pytest.approx(3.1, abs=0.05)
    assert weighting.margin_of_error(1000, deff=2) > weighting.margin_of_error(1000)


def test_results_show_raw_and_weighted_figures_side_by_side():
    survey = create_skewed_survey()
    figures = results.survey_results(survey)
    assert figures.total == 60 and figures.weighting.method == "age_only"
    uses = figures.questions[0]
    yes = uses.rows[0]
    assert (yes.count, round(yes.percent, 1)) == (50, 83.3)
    shares = weighting.registry_targets().margin(0)  # no population figures entered here
    assert yes.weighted == pytest.approx(100 * shares["40s"] / (shares["40s"] + shares["70p"]))
    assert uses.weighted_moe > uses.moe
    rating = figures.questions[2]
    assert rating.mean == pytest.approx((50 * 5 + 10) / 60)
    assert rating.weighted_mean < rating.mean
    assert sum(count for _day, count in figures.timeline) == 60


def test_crosstabs_and_text_search():
    survey = create_skewed_survey()
    tables = results.crosstabs(survey, "age_band")
    uses = tables[0]
    columns = [key for key, _label in uses.columns]
    yes_cells = dict(zip(columns, uses.rows[0][1], strict=True))
    assert yes_cells["40s"] == (50, 100.0) and yes_cells["70p"] == (0, 0.0)
    assert results.crosstabs(survey, "gender")[0].bases[Gender.MALE] == 10
    found, total = results.text_answers(survey.questions[3], search="배차")
    assert total == 3 and found[0][0] == "배차 간격이 너무 길어요"
    assert results.text_answers(survey.questions[3], search="100%")[1] == 0


def test_public_results_hide_small_cells_and_what_they_would_give_away(client):
    survey = create_skewed_survey()
    assert client.get(f"/results/{survey.id}").status_code == 404
    settings = {"title": survey.title, "introduction": "", "anonymous": False}
    service.update_survey(survey, public_link=False, results_public=True, **settings)
    page = client.get(f"/results/{survey.id}").get_data(as_text=True)
    assert "50" in page and "비공개" in page
    rating = results.public_results(survey)[1]
    hidden = [label for label, count, _pct in rating.rows if count is None]
    assert len(hidden) >= 2  # 2, 3, 4 are empty: hidden, so no single cell can be derived


def test_the_staff_results_page_shows_raw_weighted_and_crosstabs(client, auth):
    survey = create_skewed_survey()
    auth.login("pr@example.kr")
    page = client.get(f"/surveys/{survey.id}/results?by=dong").get_data(as_text=True)
    assert "가중 비율" in page and "83.3%" in page and "설계효과" in page
    assert "왕십리제2동" in page  # the dong cross-tabulation's columns
    assert client.get(f"/surveys/{survey.id}").status_code == 200
    text = client.get(f"/surveys/{survey.id}/results/questions/{survey.questions[3].id}?q=배차")
    assert "배차 간격이 너무 길어요" in text.get_data(as_text=True)
