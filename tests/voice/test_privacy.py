"""Contact details kept only to answer: erased after the retention period once closed, and at
once when the resident withdraws the item."""

import re
from datetime import timedelta

import pytest

from pcrm.auth.models import Role
from pcrm.db import utcnow
from pcrm.errors import Conflict
from pcrm.extensions import db
from pcrm.voice import handling, privacy
from pcrm.voice.models import Outcome, VoiceAction, VoiceStatus
from tests.factories import create_user
from tests.voice.helpers import create_item


def test_contacts_are_erased_a_retention_period_after_closing(app):
    pr = create_user(role=Role.PR)
    closed, still_open = create_item(email="a@example.com"), create_item(phone="010-1234-5678")
    handling.answer_directly(closed, user=pr, answer="안내")
    days = app.config["VOICE_CONTACT_RETENTION_DAYS"]
    assert privacy.erase_old_contacts(utcnow() + timedelta(days=days - 1)) == 0
    assert privacy.erase_old_contacts(utcnow() + timedelta(days=days + 1)) == 1
    assert privacy.erase_old_contacts(utcnow() + timedelta(days=days + 1)) == 0
    db.session.refresh(closed)
    db.session.refresh(still_open)
    assert closed.contact_email is None and still_open.contact_phone == "+821012345678"


def test_a_resident_withdraws_an_item_from_the_status_page(app, client):
    item = create_item(email="a@example.com")
    page = client.get(f"/v/{item.token}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(f"/v/{item.token}/withdraw", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.status is VoiceStatus.DONE and item.outcome is Outcome.WITHDRAWN
    assert item.contact_email is None and item.trail[-1].action is VoiceAction.WITHDRAWN
    with pytest.raises(Conflict):
        privacy.withdraw(item)
