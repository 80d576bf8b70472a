"""The Naver Cloud SENS adapter against a local server that follows SENS's documentation."""

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from pcrm.config import from_environment
from pcrm.messaging import sms
from pcrm.messaging.sens import SensAuth, SensClient, SensSettings
from pcrm.messaging.sens_format import delivery_from
from pcrm.messaging.sms_batch import OutgoingSms
from tests.messaging.fake_sens import FakeSens


@pytest.fixture
def fake():
    server = FakeSens()
    server.base_url = server.start()
    yield server
    server.stop()


class Naps:
    """Stands in for time.sleep: records the waits instead of sleeping."""

    def __init__(self):
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def provider_for(fake: FakeSens, *, naps=None, clock=time.time, **changes) -> sms.SensProvider:
    settings = SensSettings(
        access_key=fake.access_key, secret_key=fake.secret_key, service_id=fake.service_id,
        sender=fake.sender, base_url=fake.base_url, timeout=5, connect_timeout=2,
        max_attempts=4, backoff=0.5,
    )  # fmt: skip
    settings = replace(settings, **changes)
    return sms.SensProvider(SensClient(settings, sleep=naps or Naps(), clock=clock))


def texts(count: int, *, text="[성동구] 설문에 참여해 주세요", start=0) -> list[OutgoingSms]:
    return [
        OutgoingSms(ref=str(i), to=f"+82101234{i:04d}", text=text)
        for i in range(start, start + count)
    ]


def test_a_signed_request_is_accepted_in_the_documented_shape(fake):
    report = provider_for(fake).send_batch(texts(2))

    assert set(report.accepted) == {"0", "1"}
    assert report.accepted["0"].startswith("RSSA-")
    assert not (report.refused or report.deferred or report.uncertain or report.outage)
    body = fake.send_requests[0]
    assert body["type"] == "SMS" and body["contentType"] == "COMM"
    assert body["from"] == fake.sender
    assert [m["to"] for m in body["messages"]] == ["01012340000", "01012340001"]
    assert body["messages"][0]["content"] == "[성동구] 설문에 참여해 주세요"


def test_a_wrong_signature_is_refused_and_nothing_is_sent(fake):
    report = provider_for(fake, secret_key="not-the-secret").send_batch(texts(3))

    assert report.outage and not report.accepted and set(report.deferred) == {"0", "1", "2"}
    assert "401" in report.deferred["0"] and "Authentication Failed" in report.deferred["0"]
    assert fake.send_requests == []


def test_a_stale_timestamp_is_refused(fake):
    six_minutes_ago = lambda: time.time() - 6 * 60  # noqa: E731
    report = provider_for(fake, clock=six_minutes_ago).send_batch(texts(1))

    assert report.outage and "Authentication Failed" in report.deferred["0"]
    assert fake.send_requests == []


def test_the_fake_refuses_a_forged_signature_with_the_gateway_error_body(fake):
    uri = f"/sms/v2/services/{fake.service_id}/messages"
    headers = {
        "x-ncp-apigw-timestamp": str(int(time.time() * 1000)),
        "x-ncp-iam-access-key": fake.access_key,
        "x-ncp-apigw-signature-v2": "Zm9yZ2Vk",
    }
    response = httpx.post(fake.base_url + uri, headers=headers, json={})

    assert response.status_code == 401
    assert response.json()["error"]["errorCode"] == "200"


def test_250_messages_go_in_three_requests_of_at_most_100(fake):
    report = provider_for(fake).send_batch(texts(250))

    assert [len(body["messages"]) for body in fake.send_requests] == [100, 100, 50]
    assert len(report.accepted) == 250 and len(set(report.accepted.values())) == 3
    assert sorted(fake.accepted_to) == sorted(f"01012340{i:03d}" for i in range(250))


def test_sms_and_lms_go_in_separate_requests_with_their_type_and_subject(fake):
    long_text = "가" * 46  # 92 bytes in CP949: an LMS
    messages = [
        *texts(2),
        OutgoingSms(ref="long", to="+821099990000", text=long_text, subject="설문 안내"),
    ]
    report = provider_for(fake).send_batch(messages)

    assert len(report.accepted) == 3
    assert sorted(fake.contents) == sorted([long_text, *[m.text for m in messages[:2]]])
    by_type = {body["type"]: body for body in fake.send_requests}
    assert set(by_type) == {"SMS", "LMS"}
    assert by_type["LMS"]["messages"] == [
        {"to": "01099990000", "content": long_text, "subject": "설문 안내"}
    ]


def test_bad_numbers_and_unsendable_text_are_refused_alone(fake):
    messages = [
        *texts(1),
        OutgoingSms(ref="landline", to="+8222860000", text="안내"),
        OutgoingSms(ref="garbage", to="not a number", text="안내"),
        OutgoingSms(ref="emoji", to="+821055550000", text="설문 😀"),
    ]
    report = provider_for(fake).send_batch(messages)

    assert set(report.accepted) == {"0"}
    assert set(report.refused) == {"landline", "garbage", "emoji"}
    assert "휴대전화 번호가 아닙니다" in report.refused["landline"]
    assert "😀" in report.refused["emoji"]
    assert fake.accepted_to == ["01012340000"]


def test_throttling_is_backed_off_and_retried_without_duplicates(fake):
    fake.throttle, fake.retry_after = 2, "3"
    naps = Naps()
    report = provider_for(fake, naps=naps).send_batch(texts(150))

    assert len(report.accepted) == 150 and not report.deferred
    assert naps.waits == [3.0, 3.0]  # the server's Retry-After, not our own guess
    assert fake.answers == [429, 429, 202, 202]
    assert sorted(fake.accepted_to) == sorted(set(fake.accepted_to))
    assert len(fake.accepted_to) == 150


def test_throttling_that_outlasts_the_attempts_defers_everything_unsent(fake):
    fake.throttle, fake.retry_after = 10, "30"
    report = provider_for(fake, max_attempts=2).send_batch(texts(150))

    assert not report.accepted and not report.outage
    assert set(report.deferred) == {str(i) for i in range(150)}
    assert report.retry_after == 30.0
    assert fake.answers == [429, 429]  # the second batch was not even tried


def test_an_outage_is_reported_with_nothing_marked_sent(fake):
    fake.down = True
    naps = Naps()
    report = provider_for(fake, naps=naps).send_batch(texts(120))

    assert report.outage and not report.accepted and not report.refused
    assert set(report.deferred) == {str(i) for i in range(120)}
    assert "503" in report.deferred["0"]
    assert naps.waits == [0.5, 1.0, 2.0]  # doubling backoff, then it gives up
    assert fake.send_requests == []


def test_an_outage_midway_keeps_what_was_accepted_and_defers_the_rest(fake):
    provider = provider_for(fake)
    first = provider.send_batch(texts(100))
    fake.down = True
    second = provider.send_batch(texts(100, start=100))
    fake.down = False
    third = provider.send_batch([m for m in texts(100, start=100) if m.ref in second.deferred])

    assert len(first.accepted) == 100 and second.outage and not second.accepted
    assert len(third.accepted) == 100
    assert len(fake.accepted_to) == len(set(fake.accepted_to)) == 200


def test_a_gateway_timeout_is_uncertain_and_never_resent(fake):
    fake.send_status = 504
    report = provider_for(fake).send_batch(texts(2))

    assert set(report.uncertain) == {"0", "1"} and not report.deferred and not report.accepted
    assert fake.answers == [504]  # not tried again: SENS may have taken it


def test_an_answer_that_never_comes_is_uncertain_not_resent(fake):
    fake.hold = threading.Event()
    with provider_for(fake, timeout=0.3).client as client:
        report = client.send_batch(texts(2), dict.fromkeys(["0", "1"], "sms"))
    fake.hold.set()

    # SENS took it: resending would text these people twice, so the caller must look it up.
    assert set(report.uncertain) == {"0", "1"} and "응답이 없습니다" in report.uncertain["0"]
    assert fake.accepted_to == ["01012340000", "01012340001"]
    assert fake.answers == [202]


def test_the_same_number_twice_goes_in_different_requests(fake):
    twice = [OutgoingSms(ref=ref, to="+821012340000", text="안내") for ref in ("a", "b")]
    report = provider_for(fake).send_batch(twice)

    assert len(fake.send_requests) == 2 and set(report.accepted) == {"a", "b"}
    assert report.accepted["a"] != report.accepted["b"]


def test_an_unreachable_server_is_an_outage(fake):
    fake.stop()
    report = provider_for(fake, max_attempts=1).send_batch(texts(2))

    assert report.outage and set(report.deferred) == {"0", "1"}
    assert "연결할 수 없습니다" in report.deferred["0"]


def test_results_map_to_delivered_and_failed_with_korean_reasons(fake):
    fake.dead_numbers.add("01012340001")
    provider = provider_for(fake)
    report = provider.send_batch(texts(2))

    results = {r.to: r for r in provider.delivery_results(report.accepted["0"])}

    assert results["+821012340000"].state == "delivered"
    assert results["+821012340000"].completed_at.tzinfo is not None
    failed = results["+821012340001"]
    assert failed.state == "failed" and failed.permanent
    assert failed.reason == "없는 번호(결번)이거나 정지된 번호입니다"
    again = provider.client.delivery(failed.message_id)
    assert again == failed


def test_an_unknown_result_code_keeps_the_carriers_words():
    record = {
        "messageId": "m1", "requestId": "r1", "to": "01012345678", "status": "COMPLETED",
        "statusCode": "9999", "statusMessage": "기타 오류", "completeTime": "2026-11-30 10:00:00",
    }  # fmt: skip
    result = delivery_from(record)

    assert result.state == "failed" and not result.permanent
    assert result.reason == "통신사 오류 9999: 기타 오류"
    assert delivery_from(record | {"status": "PROCESSING"}).state == "pending"


def test_the_080_opt_out_list_is_fetched_page_by_page(fake):
    for i in range(130):
        fake.add_opt_out(f"01077{i:06d}", via="C" if i % 2 else "M", days_ago=i % 3)

    opt_outs = provider_for(fake).opt_outs()

    assert len(opt_outs) == 130
    assert opt_outs[0].phone == "+821077000000" and opt_outs[0].via == "manual"
    assert opt_outs[1].via == "call"
    assert all(o.registered_at.tzinfo is not None for o in opt_outs)


def test_the_080_list_can_be_read_since_a_time(fake):
    fake.add_opt_out("01011112222", days_ago=3)
    fake.add_opt_out("01033334444", days_ago=0)

    recent = provider_for(fake).opt_outs(since=datetime.now(UTC) - timedelta(days=1))

    assert [o.phone for o in recent] == ["+821033334444"]


def test_sms_provider_sens_is_chosen_by_configuration_and_sends_the_phone_code(make_app, fake):
    app = make_app(
        SMS_PROVIDER="sens", SENS_ACCESS_KEY=fake.access_key, SENS_SECRET_KEY=fake.secret_key,
        SENS_SERVICE_ID=fake.service_id, SENS_FROM=fake.sender, SENS_BASE_URL=fake.base_url,
        SENS_MAX_ATTEMPTS=1,
    )  # fmt: skip
    with app.app_context():
        provider = sms.provider()
        result = provider.send(to="+821012345678", text="[성동구] 인증번호 123456")
        with pytest.raises(sms.PermanentSmsError):
            provider.send(to="+8222860000", text="[성동구] 인증번호 123456")
        fake.down = True
        with pytest.raises(sms.TemporarySmsError):
            provider.send(to="+821012345678", text="[성동구] 인증번호 654321")

    assert isinstance(provider, sms.SensProvider)
    assert result.kind == "sms" and result.provider_id.startswith("RSSA-")
    assert fake.accepted_to == ["01012345678"]


def test_sens_without_its_keys_names_what_is_missing(make_app):
    app = make_app(SMS_PROVIDER="sens", SENS_ACCESS_KEY="AK")
    with app.app_context(), pytest.raises(RuntimeError, match="SENS_SECRET_KEY"):
        sms.provider()


def test_the_outbox_stays_the_default_and_sens_reads_the_environment(app, tmp_path):
    assert app.config["SMS_PROVIDER"] == "outbox"
    local = from_environment(Path(tmp_path), {})
    assert local["SMS_PROVIDER"] == "outbox"
    assert local["SENS_BASE_URL"] == "https://sens.apigw.ntruss.com"
    environ = {"SMS_PROVIDER": "sens", "SENS_BASE_URL": "https://sens.apigw.gov-ntruss.com"}
    configured = from_environment(Path(tmp_path), environ | {"SENS_TIMEOUT": "3"})
    assert configured["SENS_BASE_URL"] == "https://sens.apigw.gov-ntruss.com"
    assert configured["SENS_TIMEOUT"] == 3


def test_the_outbox_provider_sends_a_batch_too(app):
    report = sms.provider().send_batch(
        [*texts(2), OutgoingSms(ref="emoji", to="+821055550000", text="😀")]
    )
    assert set(report.accepted) == {"0", "1"} and set(report.refused) == {"emoji"}


def _signed_post(fake: FakeSens, body: dict, service_id: str | None = None) -> httpx.Response:
    auth = SensAuth(fake.access_key, fake.secret_key, time.time)
    uri = f"/sms/v2/services/{service_id or fake.service_id}/messages"
    return httpx.post(fake.base_url + uri, json=body, auth=auth)


def test_the_fake_holds_to_the_batch_limit_and_the_request_shape(fake):
    item = {"to": "01012345678", "content": "안내"}
    good = {"type": "SMS", "from": fake.sender, "content": "안내", "messages": [item]}

    assert _signed_post(fake, good | {"messages": [item] * 101}).status_code == 400
    assert _signed_post(fake, good | {"type": "FAX"}).status_code == 400
    assert _signed_post(fake, good | {"from": "01000000000"}).status_code == 400
    assert _signed_post(fake, good, service_id="ncp:sms:kr:2:other").status_code == 404
    assert fake.send_requests == []
    assert _signed_post(fake, good).json()["statusName"] == "success"
    too_long = good | {"messages": [item | {"content": "가" * 46}]}  # 92 bytes as an SMS
    assert _signed_post(fake, too_long).status_code == 202
    assert fake.contents == ["안내", "가" * 45]  # SENS cuts what does not fit
