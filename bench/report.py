"""Benchmark: report pages on PostgreSQL, a campaign of 100,000 recipients with 300,000 events
and the district overview with 50 such campaigns.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/report.py

The registry is bench/_registry.py's 100,000 demo subscribers (loaded once). Each campaign
sends an e-mail to every subscriber and an SMS reminder to 40% of them, written by SQL in a
few statements. Prints each figure family's median time beside the bare SQL aggregate it
stands on (the floor any report pays), then each page's median render time and its budget.
"""

import re
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).parent))
from _registry import bench_app, timed

from pcrm.auth import service as auth
from pcrm.auth.models import Role
from pcrm.campaigns.models import Campaign, CampaignKind, CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.projects.models import Project
from pcrm.reports import groups, metrics, rollup, snapshots, timing, waves

CAMPAIGNS = 50
EVENTS = 300_000
PASSWORD = "benchmark password"  # noqa: S105
USER = "pr@bench-report.kr"
NAME = "bench report"
BODY = "{{ name }}님 설문 {{ survey_link }}\n노선도: https://www.sd.go.kr/bus"
CAMPAIGN_BUDGET_MS, DISTRICT_BUDGET_MS = 300, 1000

MESSAGES = """
INSERT INTO message (campaign_id, subscriber_id, channel, wave, status, token, address,
    attempts, created_at, sent_at, opened_at, clicked_at, responded_at, unsubscribed_at)
SELECT :c, s.id, 'email', 0,
    CASE WHEN s.id % 50 = 0 THEN 'bounced_hard' WHEN s.id % 97 = 0 THEN 'bounced_soft'
         ELSE 'sent' END,
    md5(:c || '-0-' || s.id), s.email, 1, :t, :t + (s.id % 600) * interval '1 second',
    CASE WHEN s.id % 3 = 0 THEN :t + (s.id % 7200) * interval '1 second' END,
    CASE WHEN s.id % 9 = 0 THEN :t + (s.id % 7200 + 60) * interval '1 second' END,
    CASE WHEN s.id % 12 = 0 THEN :t + (s.id % 86400) * interval '1 second' END,
    CASE WHEN s.id % 400 = 0 THEN :t + interval '1 hour' END
FROM subscriber s
UNION ALL
SELECT :c, s.id, 'sms', 1, CASE WHEN s.id % 70 = 0 THEN 'failed' ELSE 'sent' END,
    md5(:c || '-1-' || s.id), s.phone, 1, :t + interval '3 days', :t + interval '3 days',
    NULL, CASE WHEN s.id % 15 = 0 THEN :t + interval '3 days 1 hour' END,
    CASE WHEN s.id % 20 = 0 THEN :t + interval '3 days' + (s.id % 7200) * interval '1 second' END,
    NULL
FROM subscriber s WHERE s.id % 12 <> 0 AND s.id % 5 < 2
"""
EVENT_ROWS = """
INSERT INTO event (message_id, campaign_id, kind, machine, link_id, detail, created_at)
SELECT m.id, :c,
    CASE WHEN n % 10 < 6 THEN 'open' WHEN n % 10 < 9 THEN 'click' ELSE 'response' END,
    n % 10 < 6 AND n % 4 = 0, CASE WHEN n % 10 BETWEEN 6 AND 8 THEN n % 2 END, '',
    :t + (n % 86400) * interval '1 second'
FROM generate_series(1, :events) n
JOIN message m ON m.campaign_id = :c AND m.wave = 0 AND m.subscriber_id = :first + n % :people
"""


def _campaigns(project: Project, count: int) -> list[int]:
    """`count` sent campaigns of the project, each with its messages and events."""
    people = db.session.scalar(text("SELECT count(*) FROM subscriber"))
    first = db.session.scalar(text("SELECT min(id) FROM subscriber"))
    ids = []
    for n in range(count):
        launched = utcnow() - timedelta(days=10 + 3 * n)
        campaign = Campaign(
            project=project, name=f"{NAME} {n + 1}", kind=CampaignKind.SURVEY, body=BODY,
            status=CampaignStatus.SENT, launched_at=launched, finished_at=launched,
        )  # fmt: skip
        db.session.add(campaign)
        db.session.flush()
        db.session.execute(text(MESSAGES), {"c": campaign.id, "t": launched})
        values = {"c": campaign.id, "t": launched, "events": EVENTS}
        db.session.execute(text(EVENT_ROWS), values | {"first": first, "people": people})
        db.session.commit()
        ids.append(campaign.id)
        print(f"  campaign {n + 1}/{count} written", end="\r", flush=True)
    print()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return ids


def _written() -> list[int]:
    """The campaigns an earlier run wrote (kept: writing them takes minutes)."""
    query = select(Campaign.id).where(Campaign.name.like(f"{NAME}%")).order_by(Campaign.id)
    return list(db.session.scalars(query))


def _clear() -> None:
    """Remove what an earlier run of this benchmark wrote."""
    ours = "SELECT id FROM campaign WHERE name LIKE :name"
    for table in ("event", "message"):
        db.session.execute(text(f"DELETE FROM {table} WHERE campaign_id IN ({ours})"),  # noqa: S608
                           {"name": f"{NAME}%"})  # fmt: skip
    db.session.execute(text("DELETE FROM campaign WHERE name LIKE :name"), {"name": f"{NAME}%"})
    db.session.commit()


def _figures(cid: int) -> None:
    """Each figure family beside the bare aggregate of the rows it reads."""
    bare_messages = text(
        "SELECT status, count(*), count(opened_at), count(clicked_at), count(responded_at)"
        " FROM message WHERE campaign_id = :c GROUP BY status"
    )
    bare_events = text(
        "SELECT kind, machine, count(*) FROM event WHERE campaign_id = :c GROUP BY kind, machine"
    )
    bare_stored = text("SELECT * FROM report_snapshot WHERE campaign_id = :c")
    c = {"c": cid}
    campaign = db.session.get(Campaign, cid)
    rows = [
        ("bare SQL: messages by status", lambda: db.session.execute(bare_messages, c).all()),
        ("bare SQL: events by kind", lambda: db.session.execute(bare_events, c).all()),
        ("funnel of people", lambda: metrics.funnel(cid)),
        ("bounces, opt-outs, machine opens", lambda: metrics.aside(cid)),
        ("channels", lambda: metrics.channels(cid)),
        ("waves and answers after each", lambda: waves.waves(cid)),
        ("clicks per link", lambda: timing.links(cid, BODY)),
        ("time to answer", lambda: timing.delays(cid)),
        ("timeline by hour and day", lambda: timing.timeline(cid)),
        ("response by group (5 dimensions)", lambda: groups.groups(cid)),
        ("bare SQL: one stored row", lambda: db.session.execute(bare_stored, c).all()),
        ("stored figures, every family", lambda: snapshots.stored_report(campaign)),
    ]  # fmt: skip
    for name, action in rows:
        median, worst = timed(action, repeat=7)
        print(f"  {name:<36} {median:8.1f} ms median, {worst:8.1f} ms worst")


def _store(ids: list[int]) -> None:
    """Every campaign's figures stored, as the periodic job leaves them; its cost per campaign."""
    started = time.perf_counter()
    refreshed = snapshots.refresh_due_snapshots()
    seconds = time.perf_counter() - started
    print(f"  stored the figures of {refreshed} campaigns in {seconds:.1f} s (the periodic job)")
    median, worst = timed(lambda: snapshots.refresh(db.session.get(Campaign, ids[0])), repeat=3)
    print(f"  {'recompute one campaign (job, button)':<36} {median:8.1f} ms median, "
          f"{worst:8.1f} ms worst")  # fmt: skip
    started = time.perf_counter()
    snapshots.due()
    print(f"  {'which campaigns are behind (job)':<36} "
          f"{1000 * (time.perf_counter() - started):8.1f} ms")  # fmt: skip


def _district_figures() -> None:
    """The district's figures (every campaign's funnel) beside the bare read of what they use."""
    bare = text("SELECT campaign_id, funnel FROM report_snapshot")
    bare_messages = text("SELECT campaign_id, count(*) FROM message GROUP BY campaign_id")
    rows = [
        ("bare SQL: messages by campaign", lambda: db.session.execute(bare_messages).all()),
        ("bare SQL: stored funnels", lambda: db.session.execute(bare).all()),
        ("district: every campaign's funnel", lambda: rollup.of_department(None)),
    ]  # fmt: skip
    for name, action in rows:
        median, worst = timed(action, repeat=3)
        print(f"  {name:<36} {median:8.1f} ms median, {worst:8.1f} ms worst")


def _login(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"email": USER, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302


def _page(client, path: str, budget: int, label: str) -> None:
    def get():
        response = client.get(path)
        assert response.status_code == 200 and "응답률" in response.get_data(as_text=True)

    median, worst = timed(get, repeat=7)
    verdict = "met" if median < budget else "MISSED"
    print(f"  {label:<36} {median:8.1f} ms median, {worst:8.1f} ms worst;", end=" ")
    print(f"budget {budget} ms: {verdict}")


def main() -> None:
    app = bench_app()
    with app.app_context():
        if auth.find_user(USER) is None:
            auth.create_user(email=USER, name="공보", password=PASSWORD, role=Role.PR)
        project = db.session.scalar(select(Project).order_by(Project.id).limit(1))
        ids = _written()
        if len(ids) != CAMPAIGNS:
            _clear()
            print(f"Writing {CAMPAIGNS} campaigns of 100,000 recipients and {EVENTS:,} events ...")
            ids = _campaigns(project, CAMPAIGNS)
        messages = db.session.scalar(text("SELECT count(*) FROM message WHERE campaign_id = :c"),
                                     {"c": ids[0]})  # fmt: skip
        print(f"one campaign: {messages:,} messages, {EVENTS:,} events")
        _store(ids)
        _figures(ids[0])
        _district_figures()
    client = app.test_client()
    _login(client)
    print("pages (rendered through the app, signed in as PR staff):")
    with app.app_context():
        _page(client, f"/reports/campaigns/{ids[0]}", CAMPAIGN_BUDGET_MS, "campaign report")
        _page(client, "/reports/district", DISTRICT_BUDGET_MS, f"district ({CAMPAIGNS}+ campaigns)")


if __name__ == "__main__":
    main()
