import shutil

import pytest

from pcrm.demo import load_demo
from pcrm.extensions import db
from pcrm.outbox.service import latest_sms, sms_dir
from pcrm.subscribers.models import AddressStatus, PhoneConfirmation, Segment

pytestmark = pytest.mark.usefixtures("app")


def test_demo_adds_the_saved_segments_once():
    load_demo(subscribers=50)
    load_demo(subscribers=50)
    names = set(db.session.scalars(db.select(Segment.name)))
    # the demo campaigns reach the first and the last (pcrm/demo/campaigns.py)
    assert {"정책고객 전체", "30-40대 여론조사 동의자", "전체 구독자"} <= names and len(names) == 4


def test_demo_has_one_resident_waiting_to_type_the_texted_code(app):
    shutil.rmtree(sms_dir(), ignore_errors=True)
    load_demo(subscribers=50)
    load_demo(subscribers=50)
    (pending,) = db.session.scalars(db.select(PhoneConfirmation)).all()
    assert pending.confirmed_at is None and not pending.subscriber.sms_opt_in
    assert pending.subscriber.phone_status is AddressStatus.PENDING
    (texted,), _count = latest_sms()
    assert texted["to"] == pending.phone and "인증번호" in texted["text"]
