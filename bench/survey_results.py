"""Benchmark: the staff results page of a survey with 10,000 responses, on PostgreSQL.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> \
        .venv/bin/python bench/survey_results.py

The database's schema is dropped and rebuilt; Redis is BENCH_REDIS_URL (default db 12). Prints
the page's median render time and its ratio to the bare SQL aggregate of the same answers (the
floor any results page pays).
"""

import os
import random
import re
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _redis import bench_redis_url
from sqlalchemy import create_engine, func, insert, text

from pcrm import create_app
from pcrm.config import database_url
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.subscribers.age import AGE_BANDS
from pcrm.surveys.models import Answer, QuestionKind, Response

RESPONSES = 10_000
RUNS = 15
BUDGET_MS = 300
PASSWORD = "benchmark password"  # noqa: S105


def _fresh_app():
    url = database_url(
        os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/pcrm_surveys"),
        Path(),
    )
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    os.environ.setdefault("PCRM_INSTANCE_PATH", tempfile.mkdtemp(prefix="pcrm-bench-"))
    overrides = {
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": bench_redis_url(),
        "SECRET_KEY": "bench",
    }
    return create_app(overrides | {"RATELIMIT_STORAGE_URI": "memory://", "PCRM_ENV": "test"})


def _survey():
    from pcrm.auth import service as auth
    from pcrm.auth.models import Role
    from pcrm.projects.models import Project
    from pcrm.surveys import building, service
    from pcrm.surveys.building import QuestionSpec

    department = auth.create_department(name_ko="교통행정과")
    user = auth.create_user(email="pr@bench.kr", name="공보", password=PASSWORD, role=Role.PR)
    project = Project(department=department, name_ko="성동 마을버스 운영")
    db.session.add(project)
    survey = service.create_survey(project=project, title="마을버스 이용 만족도 조사", user=user)
    section = survey.sections[0].id
    specs = [
        (QuestionKind.SINGLE, {"choices": ("예", "아니요"), "other_option": True}),
        (QuestionKind.MULTIPLE, {"choices": ("성동01", "성동02", "성동03", "성동05", "성동10")}),
        (QuestionKind.RATING, {"low": 1, "high": 5}),
        (QuestionKind.SCALE_10, {}),
        (QuestionKind.NUMBER, {"low": 0, "high": 120}),
        (QuestionKind.SHORT_TEXT, {}),
        (QuestionKind.LONG_TEXT, {}),
        (QuestionKind.DATE, {}),
    ]
    for n, (kind, options) in enumerate(specs, start=1):
        spec = QuestionSpec(kind=kind, text=f"질문 {n}", section_id=section, **options)
        building.add_question(survey, spec)
    service.publish_survey(survey, opens_at=None, closes_at=utcnow() + timedelta(days=7))
    return survey


def _answers_for(rng, questions, response_id):
    single, multiple, rating, scale, number, short, long_text, day = questions
    rows = [{"question_id": single.id, "choice_id": rng.choice(single.choices).id}]
    for choice in rng.sample(multiple.choices, 2):
        rows.append({"question_id": multiple.id, "choice_id": choice.id})
    rows += [
        {"question_id": rating.id, "number": rng.randint(1, 5)},
        {"question_id": scale.id, "number": rng.randint(0, 10)},
        {"question_id": number.id, "number": rng.randint(0, 60)},
        {"question_id": short.id, "text": rng.choice(("배차 간격", "친절", "정류장"))},
        {"question_id": long_text.id, "text": "저녁 늦게까지 운행하면 좋겠습니다."},
        {"question_id": day.id, "date_value": utcnow().date()},
    ]
    return [{"response_id": response_id, **row} for row in rows]


def _responses(survey):
    rng = random.Random(2015)
    dong_ids = list(db.session.scalars(text("SELECT id FROM dong")))
    start = utcnow() - timedelta(days=14)
    bands = [band.code for band in AGE_BANDS]
    records = [
        {
            "survey_id": survey.id,
            "source": "invitation",
            "submission_key": f"bench-{n}",
            "submitted_at": start + timedelta(minutes=2 * n),
            "age_band": rng.choices(bands, weights=(1, 4, 12, 30, 16, 8, 4))[0],
            "gender": rng.choice(("female", "male")),
            "dong_id": rng.choice(dong_ids),
            "kind": "individual",
        }
        for n in range(RESPONSES)
    ]
    ids = db.session.scalars(
        insert(Response).returning(Response.id, sort_by_parameter_order=True), records
    ).all()
    answers = [row for rid in ids for row in _answers_for(rng, survey.questions, rid)]
    db.session.execute(insert(Answer), answers)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return len(answers)


def _median_ms(action) -> float:
    action()  # warm caches and templates
    timings = []
    for _run in range(RUNS):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _login(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"email": "pr@bench.kr", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302


def main() -> None:
    app = _fresh_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        survey = _survey()
        answers = _responses(survey)
        survey_id = survey.id
        aggregate = (
            db.select(Answer.question_id, Answer.choice_id, Answer.number, func.count())
            .join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey_id)
            .group_by(Answer.question_id, Answer.choice_id, Answer.number)
        )
        baseline = _median_ms(lambda: db.session.execute(aggregate).all())
    client = app.test_client()
    _login(client)

    def page():
        response = client.get(f"/surveys/{survey_id}/results")
        assert response.status_code == 200 and "가중 비율" in response.get_data(as_text=True)

    rendered = _median_ms(page)
    print(f"survey with {RESPONSES:,} responses and {answers:,} answers on PostgreSQL")
    print(f"baseline: bare SQL aggregate of the answers   {baseline:7.1f} ms (median of {RUNS})")
    print(
        f"results page (raw, weighted, cross-tab, timeline) {rendered:7.1f} ms (median of {RUNS})"
    )
    print(
        f"ratio page / baseline: {rendered / baseline:.1f}x; budget {BUDGET_MS} ms: "
        + ("met" if rendered < BUDGET_MS else "MISSED")
    )


if __name__ == "__main__":
    main()
