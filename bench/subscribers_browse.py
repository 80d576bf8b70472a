"""Browse and count the registry at 100,000 subscribers on PostgreSQL.

Target: a filtered page (rows and total) and a segment count each under 200 ms.
Baseline in the same run: a bare `SELECT count(*) FROM subscriber`.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pcrm_subscribers \
        .venv/bin/python bench/subscribers_browse.py
"""

from _registry import bench_app, timed
from sqlalchemy import select, text

from pcrm.extensions import db
from pcrm.subscribers import browse as finder
from pcrm.subscribers import segments
from pcrm.subscribers.audience import Criteria
from pcrm.subscribers.models import Dong

TARGET_MS = 200


def main() -> None:
    app = bench_app()
    with app.app_context():
        majang = db.session.scalar(select(Dong.id).where(Dong.name_ko == "마장동"))
        policy = Criteria(fields=("survey",))
        thirties = Criteria(fields=("survey",), age_bands=("30s", "40s"), channels=("email",))
        filtered = finder.Browse(
            criteria=Criteria(fields=("survey", "health"), fields_match="all",
                              age_bands=("30s", "40s"), dong_ids=(majang,)),
            status="email_valid", sort="name",
        )  # fmt: skip
        deep = finder.page(finder.Browse(sort="name"), size=50)
        for _ in range(40):  # walk 40 pages in, to time a page far from the start
            deep = finder.page(finder.Browse(sort="name"), after=deep.next_cursor, size=50)
        cases = {
            "baseline: SELECT count(*) FROM subscriber": lambda: db.session.execute(
                text("SELECT count(*) FROM subscriber")
            ).scalar(),
            "first page, unfiltered (rows + total)": lambda: finder.page(finder.Browse()),
            "filtered page: fields all + age + dong + status, by name": lambda: finder.page(
                filtered
            ),
            "page 41 by name (keyset)": lambda: finder.page(
                finder.Browse(sort="name"), after=deep.next_cursor
            ),
            "search by name '김민'": lambda: finder.page(finder.Browse(q="김민")),
            "search by phone '1234'": lambda: finder.page(finder.Browse(q="010-1234")),
            "search by e-mail 'resident2015-777@'": lambda: finder.page(
                finder.Browse(q="resident2015-777@")
            ),
            "segment count: policy customers": lambda: segments.live_count(policy),
            "segment count: 30-40s, survey, e-mail reachable": lambda: segments.live_count(
                thirties
            ),
            "segment breakdown (age bands x channels)": lambda: segments.breakdown(thirties),
        }
        results = {name: timed(case) for name, case in cases.items()}
    baseline = next(iter(results.values()))[0]
    print(f"{'case':58} {'median ms':>10} {'max ms':>8} {'x baseline':>10}")
    for name, (median, worst) in results.items():
        flag = "" if median < TARGET_MS else "  OVER 200 ms"
        print(f"{name:58} {median:10.1f} {worst:8.1f} {median / baseline:10.1f}{flag}")


if __name__ == "__main__":
    main()
