"""The registry's rules: who is reachable, finding people, paging, erasure, segments."""

from datetime import date

import pytest

from pcrm.errors import Conflict
from pcrm.extensions import db
from pcrm.subscribers import browse as finder
from pcrm.subscribers import residents, segments, service
from pcrm.subscribers.audience import Criteria, reachable_ids
from pcrm.subscribers.models import (
    AccessLog,
    AddressStatus,
    Channel,
    ConsentEvent,
    ConsentSource,
    Kind,
    Subscriber,
)
from tests.factories import create_user
from tests.subscribers.factories import create_subscriber, dong_id

pytestmark = pytest.mark.usefixtures("app")


def _ids(query) -> set[int]:
    return set(db.session.scalars(query))


def test_reachable_needs_channel_consent_field_consent_and_a_valid_address():
    ok = create_subscriber("정상", email="ok@example.com", phone=None)
    create_subscriber("반송", email="bounced@example.com", phone=None,
                      email_status=AddressStatus.BOUNCED)  # fmt: skip
    create_subscriber("대기", email="pending@example.com", phone=None,
                      email_status=AddressStatus.PENDING)  # fmt: skip
    create_subscriber("문화만", email="culture@example.com", phone=None, fields={"culture"})
    create_subscriber("동의안함", email="none@example.com", phone=None, channels=set())
    survey = reachable_ids(Criteria(), channel=Channel.EMAIL, field_code="survey")
    assert _ids(survey) == {ok.id}
    assert _ids(reachable_ids(Criteria(), channel=Channel.SMS, field_code="survey")) == set()


def test_erased_subscribers_are_unreachable_and_anonymous():
    user = create_user()
    subscriber = create_subscriber(fields={"survey"})
    service.erase_subscriber(subscriber, user=user)
    assert _ids(reachable_ids(Criteria(), channel="email", field_code="survey")) == set()
    db.session.expire_all()
    kept = db.session.get(Subscriber, subscriber.id)
    assert (kept.name, kept.email, kept.phone) == (None, None, None)
    assert kept.birth_year == 1985 and kept.dong_id == dong_id()  # anonymous counts stay
    events = db.session.scalars(db.select(ConsentEvent)).all()
    assert events and all(e.evidence == "" for e in events)  # the ledger kept, anonymised
    assert {e.source for e in events if not e.granted} == {ConsentSource.ERASURE}
    log = db.session.scalars(db.select(AccessLog)).one()
    assert log.action == "erase" and log.user_id == user.id
    with pytest.raises(Conflict):
        service.erase_subscriber(kept, user=user)


@pytest.mark.parametrize("query", ["010-1234-5678", "01012345678", "+82 10 1234 5678", "1234-5678"])
def test_search_finds_a_number_however_it_is_written(query):
    wanted = create_subscriber("김민서", email="a@example.com", phone="+821012345678")
    create_subscriber("박지현", email="b@example.com", phone="+821098765432")
    page = finder.page(finder.Browse(q=query))
    assert [s.id for s in page.rows] == [wanted.id] and page.total == 1


def test_search_by_name_and_email_treats_wildcards_literally():
    create_subscriber("김민서", email="kim_minseo@example.com", phone=None)
    create_subscriber("김민수", email="kimxminsu@example.com", phone=None)
    assert [s.name for s in finder.page(finder.Browse(q="민서")).rows] == ["김민서"]
    assert [s.name for s in finder.page(finder.Browse(q="kim_m@")).rows] == []
    assert [s.name for s in finder.page(finder.Browse(q="kim_minseo@")).rows] == ["김민서"]


@pytest.mark.parametrize("sort", ["newest", "oldest", "name"])
def test_keyset_pages_visit_everyone_once_forward_and_back(sort):
    for n in range(23):
        create_subscriber(f"이름{n % 5}", email=f"p{n}@example.com", phone=None)
    browse, seen, pages = finder.Browse(sort=sort), [], []
    page = finder.page(browse, size=5)
    while True:
        pages.append([s.id for s in page.rows])
        seen += pages[-1]
        if not page.next_cursor:
            break
        page = finder.page(browse, after=page.next_cursor, size=5)
    assert len(seen) == len(set(seen)) == 23 and len(pages) == 5
    back = finder.page(browse, before=page.prev_cursor, size=5)
    assert [s.id for s in back.rows] == pages[-2]
    assert finder.page(browse, after="not-a-cursor", size=5).rows[0].id == pages[0][0]


def test_filter_all_fields_and_age_band():
    today = date.today()
    both = create_subscriber("둘다", email="a@example.com", phone=None,
                             fields={"survey", "culture"}, birth_year=today.year - 35)  # fmt: skip
    create_subscriber("하나", email="b@example.com", phone=None, fields={"survey"},
                      birth_year=today.year - 35)  # fmt: skip
    create_subscriber("나이", email="c@example.com", phone=None,
                      fields={"survey", "culture"}, birth_year=today.year - 55)  # fmt: skip
    criteria = Criteria(fields=("survey", "culture"), fields_match="all", age_bands=("30s",))
    assert [s.id for s in finder.page(finder.Browse(criteria=criteria)).rows] == [both.id]


def test_segment_breakdown_by_age_band_and_channel():
    year = date.today().year
    create_subscriber("삼십대", email="a@example.com", phone=None, birth_year=year - 33)
    create_subscriber("사십대", email=None, phone="+821011112222", birth_year=year - 44)
    create_subscriber("업체", email="c@example.com", phone="+821033334444", birth_year=None,
                      kind=Kind.BUSINESS, gender=None)  # fmt: skip
    result = segments.breakdown(Criteria(fields=("survey",)))
    assert result.total == 3
    assert result.by_age_band["30s"] == 1 and result.by_age_band["40s"] == 1
    assert result.by_age_band["unknown"] == 1
    assert result.by_channel == {"email": 2, "sms": 2, "either": 3, "none": 0}


def test_segment_criteria_round_trip():
    user = create_user()
    criteria = Criteria(fields=("survey",), age_bands=("30s", "40s"), dong_ids=(dong_id(),))
    segment = segments.save_segment(
        None, name="30-40대 여론조사 동의자", criteria=criteria, user=user
    )
    assert segments.criteria_of(segment) == criteria


def test_preferences_cannot_grant_email_before_it_is_confirmed():
    subscriber = create_subscriber(email_status=AddressStatus.PENDING, channels={Channel.SMS})
    residents.update_preferences(
        subscriber, fields={"survey"}, channels={Channel.EMAIL, Channel.SMS},
        source=ConsentSource.PREFERENCES_LINK, evidence="test",
    )  # fmt: skip
    assert not subscriber.email_opt_in and subscriber.sms_opt_in


def test_staff_cannot_register_an_address_twice():
    user = create_user()
    create_subscriber(email="taken@example.com", phone=None)
    data = service.SubscriberData(kind=Kind.INDIVIDUAL, name="다른 사람", email="Taken@Example.com")
    with pytest.raises(Conflict):
        service.save_subscriber(None, data=data, evidence="전화", user=user)
