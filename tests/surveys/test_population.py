"""PR staff enter the district's population by age band × gender; every survey is weighted
to the newest figures, and each set stays on record."""

import re

import pytest

from pcrm.auth.models import Role
from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.subscribers.age import AGE_BANDS
from pcrm.surveys import population
from pcrm.surveys.models import PopulationFigures
from tests.surveys.factories import create_skewed_survey

SOURCE = "주민등록인구통계, 2026년 10월 말"


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _figures(**overrides) -> dict[str, str]:
    """3,000 women and 2,000 men in every band, the 70+ band three times as large."""
    fields = {f"{b.code}_female": "3000" for b in AGE_BANDS}
    fields |= {f"{b.code}_male": "2000" for b in AGE_BANDS}
    fields |= {"70p_female": "9000", "70p_male": "6000", "source": SOURCE}
    return fields | overrides


def test_results_are_weighted_to_the_population_pr_staff_enter(client, auth):
    survey = create_skewed_survey()  # 50 women in their 40s say 예, 10 men in their 70s 아니요
    auth.login("pr@example.kr")
    results_url = f"/surveys/{survey.id}/results"
    page = client.get(results_url).get_data(as_text=True)
    assert "기준 인구가 아직 입력되지 않아" in page
    page = client.get("/surveys/population").get_data(as_text=True)
    assert "아직 입력된 수치가 없어" in page
    response = client.post("/surveys/population", data=_figures(csrf_token=_token(page)))
    assert response.status_code == 302
    page = client.get(results_url).get_data(as_text=True)
    assert f"({SOURCE})" in page
    # Weighted by age band alone (no man in his 40s answered): 40s are 5,000 of 20,000.
    assert "83.3%" in page and "25.0%" in page
    assert population.current().people["70p"] == {"female": 9000, "male": 6000}


def test_each_set_of_figures_stays_on_record(client, auth):
    create_skewed_survey()
    auth.login("pr@example.kr")
    page = client.get("/surveys/population").get_data(as_text=True)
    client.post("/surveys/population", data=_figures(csrf_token=_token(page)))
    page = client.get("/surveys/population").get_data(as_text=True)
    assert 'value="9000"' in page and f'value="{SOURCE}"' in page  # the form starts from them
    newer = _figures(csrf_token=_token(page), source="주민등록인구통계, 2026년 11월 말")
    client.post("/surveys/population", data=newer | {"u20_male": "2100"})
    page = client.get("/surveys/population").get_data(as_text=True)
    assert "이전 수치" in page and SOURCE in page and "2026년 11월 말" in page
    assert db.session.scalar(db.select(db.func.count(PopulationFigures.id))) == 2
    assert population.current().people["u20"]["male"] == 2100


def test_missing_or_impossible_figures_are_refused_and_nothing_is_saved(client, auth):
    create_skewed_survey()
    auth.login("pr@example.kr")
    page = client.get("/surveys/population").get_data(as_text=True)
    bad = _figures(csrf_token=_token(page), **{"40s_female": "", "60s_male": "0", "source": ""})
    page = client.post("/surveys/population", data=bad).get_data(as_text=True)
    assert "입력 내용을 확인해 주세요" in page
    assert "40대 여성: 인원을 적어 주세요." in page and "60대 남성: 1 이상의 인원을" in page
    assert "출처를 적어 주세요." in page
    assert population.current() is None


def test_only_the_pr_office_changes_the_figures(client, sign_in):
    department_user = sign_in(Role.DEPARTMENT, department=None, email="dept@example.kr")
    assert department_user.role is Role.DEPARTMENT
    assert client.get("/surveys/population").status_code == 403
    assert client.post("/surveys/population", data=_figures()).status_code in (400, 403)
    assert population.current() is None


def test_a_set_without_every_cell_is_refused_by_the_use_case_too():
    with pytest.raises(Invalid, match="1명 이상"):
        population.record({"40s": {"female": 21000, "male": 20000}}, SOURCE, None)
    assert population.current() is None
