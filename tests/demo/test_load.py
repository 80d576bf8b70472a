"""`pcrm demo-data`: the office of the reference figures, once."""

from collections import Counter
from datetime import date

import pytest

from pcrm.auth import invitations
from pcrm.auth import service as auth_service
from pcrm.auth.models import Department, Role, StaffNotice, User
from pcrm.demo import DEMO_PASSWORD, demo_accounts, load_demo
from pcrm.demo.campaigns import NEWSLETTER_PROJECT
from pcrm.demo.staff_mail import INVITED
from pcrm.extensions import db
from pcrm.projects.models import Project
from pcrm.reference import reference
from pcrm.subscribers.age import age_band
from pcrm.subscribers.models import ConsentEvent, ConsentSource, Subscriber, subscriber_interest

N = 3000


@pytest.fixture
def demo(app):
    return load_demo(subscribers=N, seed=7)


def _count(table) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(table))


def test_the_office_matches_the_reference(demo):
    ref = reference()
    assert (demo.departments, demo.projects, demo.subscribers) == (7, 7, N)
    assert demo.staff == 2 + len(ref["department_projects_2015"]) + 1  # and one invited
    names = set(db.session.scalars(db.select(Project.name_ko)))
    departments = {entry["project"]["ko"] for entry in ref["department_projects_2015"]}
    assert names == departments | {NEWSLETTER_PROJECT["ko"]}  # the PR office's newsletter
    pr_office = db.session.scalar(db.select(Department).where(Department.name_ko == "공보담당관"))
    newsletter = db.session.scalar(db.select(Project).where(Project.department == pr_office))
    assert newsletter.name_ko == NEWSLETTER_PROJECT["ko"]


def test_every_demo_account_signs_in_with_the_printed_password(demo):
    roles = Counter()
    for _who, email in demo_accounts():
        user = auth_service.authenticate(email, DEMO_PASSWORD)
        assert user is not None, email
        roles[user.role] += 1
        assert user.role is not Role.DEPARTMENT or user.department is not None
    assert roles == {Role.ADMIN: 1, Role.PR: 1, Role.DEPARTMENT: 6}


def _share(part: int, whole: int) -> float:
    return part / whole


def test_subscribers_are_distributed_like_the_reference(demo):
    ref = reference()
    totals = ref["subscribers_total"]
    everyone = totals["individuals"] + totals["businesses"]
    kinds = Counter(db.session.scalars(db.select(Subscriber.kind)))
    assert _share(kinds["business"], N) == pytest.approx(totals["businesses"] / everyone, abs=0.02)

    fields = Counter(db.session.scalars(db.select(subscriber_interest.c.field_code)))
    for field in ref["interest_fields"]:
        expected = field["subscribers"] / everyone
        assert _share(fields[field["code"]], N) == pytest.approx(expected, abs=0.04), field["code"]

    years = db.session.scalars(
        db.select(Subscriber.birth_year).where(Subscriber.kind == "individual")
    )
    bands = Counter(age_band(year, date.today()).code for year in years)
    people = sum(bands.values())
    band_total = sum(b["subscribers"] for b in ref["age_bands"])
    for band in ref["age_bands"]:
        expected = band["subscribers"] / band_total
        assert _share(bands[band["code"]], people) == pytest.approx(expected, abs=0.03), band[
            "code"
        ]
    dongs = db.session.scalar(db.select(db.func.count(db.distinct(Subscriber.dong_id))))
    assert dongs == len(ref["dongs"])


def test_every_consent_is_in_the_ledger(demo):
    interests = _count(subscriber_interest)
    channels = db.session.scalar(
        db.select(db.func.sum(db.cast(Subscriber.email_opt_in, db.Integer)))
    ) + db.session.scalar(db.select(db.func.sum(db.cast(Subscriber.sms_opt_in, db.Integer))))
    grants = db.select(ConsentEvent).where(
        ConsentEvent.granted.is_(True), ConsentEvent.source != ConsentSource.BOUNCE_POLICY
    )
    revoked = db.select(ConsentEvent.source).where(ConsentEvent.granted.is_(False))
    revocations = db.session.scalars(revoked).all()
    # Every consent held was granted in the ledger; so was every one revoked since (by an SMS
    # reply, by the bounce policy: pcrm/demo/bounces.py).
    assert _count(grants.subquery()) == interests + channels + len(revocations)
    assert ConsentSource.SMS_REPLY in revocations
    assert set(revocations) <= {ConsentSource.SMS_REPLY, ConsentSource.BOUNCE_POLICY}
    unreachable = db.select(Subscriber.name).where(
        Subscriber.email_opt_in.is_(False), Subscriber.sms_opt_in.is_(False)
    )
    # but the one who signed up by SMS and has not typed the texted code yet (demo/signups.py)
    assert db.session.scalars(unreachable).all() == ["문자 확인 대기 주민"]


def test_loading_leaves_the_schema_as_migrated(demo):
    from tests.test_migrations import schema_differences

    assert schema_differences() == []  # the foreign keys dropped for the load are back


def test_a_second_run_adds_nothing(demo):
    before = (_count(User), _count(Subscriber), _count(ConsentEvent))
    again = load_demo(subscribers=N, seed=8)
    assert again == demo
    assert (_count(User), _count(Subscriber), _count(ConsentEvent)) == before


def test_the_command_loads_once_and_says_what_is_there(runner):
    first = runner.invoke(args=["demo-data", "--subscribers", "200"])
    assert first.exit_code == 0, first.output
    assert "7 departments, 7 projects, 9 staff accounts, 200 subscribers" in first.output
    second = runner.invoke(args=["demo-data", "--subscribers", "500"])
    assert "200 subscribers" in second.output


def test_the_sent_demo_messages_have_short_links_that_resolve(demo, client):
    from pcrm.messaging.models import Message, ShortLink, ShortTarget

    sent = db.session.scalars(db.select(Message).where(Message.sent_at.is_not(None))).all()
    assert sent and all(
        {link.target for link in message.short_links} == set(ShortTarget) for message in sent
    )
    link = db.session.scalar(db.select(ShortLink).where(ShortLink.target == ShortTarget.SURVEY))
    response = client.get(f"/r/{link.code}", headers={"User-Agent": "Mozilla/5.0 (iPhone)"})
    assert response.headers["Location"] == f"http://pcrm.test/s/{link.message.token}"


def test_the_demo_shows_staff_mail_a_request_notice_and_an_invitation(demo):
    notices = list(db.session.scalars(db.select(StaffNotice)))
    assert notices and all("[PCRM] 검토 요청" in n.subject for n in notices)
    newcomer = db.session.scalar(db.select(User).where(User.email == INVITED))
    assert not newcomer.has_password
    assert invitations.state(invitations.latest(newcomer)) is invitations.LinkState.VALID
