"""Open311 GeoReport v2: the service list, a request submitted with an API key and followed,
and a missing or wrong key refused."""

import re

import pytest

from pcrm.auth.models import Role
from pcrm.extensions import db
from pcrm.voice import handling
from pcrm.voice.models import VoiceChannel, VoiceItem
from tests.factories import create_user
from tests.voice.helpers import create_item

KEY = "kakao-bot-key-0123456789"
API = "/api/open311/v2"
ISO_SEOUL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$")


@pytest.fixture
def api_key(app):
    app.config["VOICE_API_KEYS"] = {"kakao-bot": KEY}
    yield KEY
    app.config["VOICE_API_KEYS"] = {}


def test_the_service_list_is_the_interest_fields(client):
    services = client.get(f"{API}/services.json").get_json()
    assert {"service_code", "service_name", "type"} <= set(services[0])
    assert "survey" in {s["service_code"] for s in services}


@pytest.mark.parametrize("key", [None, "", "wrong-key-0123456789"])
def test_a_missing_or_wrong_key_is_refused(client, api_key, key):
    data = {"service_code": "survey", "description": "가로등 고장"}
    if key is not None:
        data["api_key"] = key
    response = client.post(f"{API}/requests.json", data=data)
    assert response.status_code == 403 and response.get_json()[0]["code"] == 403
    assert (
        client.get(f"{API}/requests/1.json", query_string={"api_key": key or ""}).status_code == 403
    )
    assert db.session.scalar(db.select(db.func.count(VoiceItem.id))) == 0


def test_a_request_is_submitted_and_followed_to_its_answer(client, api_key):
    data = {
        "api_key": api_key, "service_code": "survey", "description": "마을버스 정류장 의자 파손",
        "address_string": "마장동 123", "email": "bot-user@example.com",
    }  # fmt: skip
    response = client.post(f"{API}/requests.json", data=data)
    assert response.status_code == 201
    request_id = response.get_json()[0]["service_request_id"]
    item = db.session.get(VoiceItem, int(request_id))
    assert item.channel is VoiceChannel.API and "마장동 123" in item.body
    handling.answer_directly(item, user=create_user(role=Role.PR), answer="교체했습니다.")

    [status] = client.get(
        f"{API}/requests/{request_id}.json", query_string={"api_key": KEY}
    ).get_json()
    assert status["status"] == "closed" and "교체했습니다." in status["status_notes"]
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert ISO_SEOUL.match(status[key]), status[key]


def test_a_key_reads_only_requests_that_came_through_the_api(client, api_key):
    other = create_item()  # from the public form
    response = client.get(f"{API}/requests/{other.id}.json", query_string={"api_key": KEY})
    assert response.status_code == 404


def test_an_unknown_service_code_is_refused(client, api_key):
    data = {"api_key": api_key, "service_code": "nothing", "description": "x"}
    response = client.post(f"{API}/requests.json", data=data)
    assert response.status_code == 422 and response.get_json()[0]["code"] == 422


def test_each_key_has_its_own_rate_limit_and_its_name_is_on_its_items(app, client, sign_in):
    app.config["VOICE_API_KEYS"] = {"kakao-bot": KEY, "civic-app": "civic-app-key-0123456789"}
    app.config["VOICE_API_RATE_LIMIT"] = "2 per minute"
    data = {"service_code": "survey", "description": "정류장 의자 파손"}
    try:
        kakao = [
            client.post(f"{API}/requests.json", data={**data, "api_key": KEY}),
            client.get(f"{API}/requests/1.json", query_string={"api_key": KEY}),
            client.post(f"{API}/requests.json", data={**data, "api_key": KEY}),
        ]
        civic = client.post(
            f"{API}/requests.json", data={**data, "api_key": "civic-app-key-0123456789"}
        )
    finally:
        app.config["VOICE_API_KEYS"] = {}
        app.config["VOICE_API_RATE_LIMIT"] = "120 per minute"
    assert [r.status_code for r in kakao] == [201, 200, 429]  # reading counts too
    assert kakao[2].get_json()[0]["code"] == 429
    assert civic.status_code == 201  # another key: its own budget, from the same address
    items = db.session.scalars(db.select(VoiceItem).order_by(VoiceItem.id)).all()
    assert [i.api_client for i in items] == ["kakao-bot", "civic-app"]
    sign_in(Role.PR)
    assert "연동 앱 (kakao-bot)" in client.get("/inbox").get_data(as_text=True)
    assert "연동 앱 (civic-app)" in client.get(f"/inbox/{items[1].id}").get_data(as_text=True)
