"""The staff subscriber form keeps the sign-up's rule: no under-14 without a guardian's consent."""

from datetime import date

import pytest

from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.subscribers import service
from pcrm.subscribers.models import Channel, ConsentEvent, Kind, Subscriber
from tests.factories import create_user

pytestmark = pytest.mark.usefixtures("app")
CHILD = date.today().year - 11


def data(**overrides) -> service.SubscriberData:
    values = dict(kind=Kind.INDIVIDUAL, name="정하은", email="haeun@example.com",
                  birth_year=CHILD, fields=frozenset({"survey"}),
                  channels=frozenset({Channel.EMAIL}))  # fmt: skip
    return service.SubscriberData(**values | overrides)


def test_staff_cannot_record_a_childs_consent_without_a_guardian():
    user = create_user("pr@example.kr")
    with pytest.raises(Invalid, match="법정대리인"):
        service.save_subscriber(None, data=data(), evidence="전화 요청", user=user)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscriber)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(ConsentEvent)) == 0


def test_with_the_guardians_consent_the_child_is_registered_and_it_is_kept():
    user = create_user("pr@example.kr")
    saved = service.save_subscriber(
        None, data=data(guardian_agreed=True), evidence="보호자 서면 동의서", user=user
    )
    assert saved.guardian_consent and saved.email_opt_in
    # Later edits need not tick it again: the consent is on record.
    saved = service.save_subscriber(
        saved, data=data(channels=frozenset()), evidence="전화 요청", user=user
    )
    assert saved.guardian_consent and not saved.email_opt_in


def test_the_staff_form_offers_the_guardian_consent(client, auth):
    create_user("pr@example.kr")
    auth.login("pr@example.kr")
    page = client.get("/subscribers/new").get_data(as_text=True)
    assert 'name="guardian_agreed"' in page and "법정대리인의 동의를 받았습니다" in page
