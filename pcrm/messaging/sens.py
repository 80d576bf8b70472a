"""Naver Cloud SENS SMS API v2: signed requests, batches of 100, delivery results, 080 opt-outs.

Checked against the public documentation (api.ncloud-docs.com, "SMS API" and "sens-sms-*"
pages, November 2026):
- headers x-ncp-apigw-timestamp (ms since the epoch; more than 5 minutes off is refused),
  x-ncp-iam-access-key and x-ncp-apigw-signature-v2 = base64(HMAC-SHA256(secret,
  "METHOD URI\\ntimestamp\\naccessKey")), where URI is the path with its query string;
- POST /sms/v2/services/{serviceId}/messages with type SMS|LMS|MMS, contentType COMM|AD,
  from, subject, content (the default) and messages[] of to/subject/content; the text is
  EUC-KR, emoji make the send fail; the answer is 202 with requestId, requestTime,
  statusCode "202" and statusName "success";
- GET .../messages?requestId= lists the request's messages (messageId, to, ...);
  GET .../messages/{messageId} answers statusCode/statusName and messages[] with status
  READY|PROCESSING|COMPLETED, statusCode "0" on success (anything else failed), statusName
  success|fail, statusMessage, telcoCode, completeTime "yyyy-MM-dd HH:mm:ss";
- GET .../unsubscribes?pageSize=1..100&pageIndex=0..&startTime= answers a JSON array of
  clientTelNo, registerTime ("YYYY-MM-DDTHH:mm:ss.sss"), registerType C (080 call) | M (manual);
- API Gateway failures: 401 with error code 200 "Authentication Failed" or 210 "Permission
  Denied", 403/230 "Forbidden", 429 Too Many Requests, 500; the error body is
  {"error": {"errorCode", "message", "details"}}.
Assumed, because the public pages do not say it: the carriers' failure codes behind
statusCode (RESULTS below: only "0" is documented, the rest is a fallback to statusMessage);
that a 429 or a 5xx means the request was not processed (so resending it cannot duplicate);
Retry-After on a 429; times in responses are Asia/Seoul. There is no idempotency key in the
API, so a request that times out after being sent is reported as uncertain, never resent.
"""

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from itertools import groupby
from zoneinfo import ZoneInfo

import httpx
import phonenumbers

from pcrm.messaging.sms_batch import BatchReport, Delivery, OptOut, OutgoingSms

DEFAULT_BASE_URL = "https://sens.apigw.ntruss.com"
BATCH_LIMIT = 100
SEOUL = ZoneInfo("Asia/Seoul")

# Carrier result codes (statusCode of a COMPLETED message) -> (reason, the number is dead).
RESULTS = {
    "3001": ("없는 번호(결번)이거나 정지된 번호입니다", True),
    "3002": ("휴대전화가 꺼져 있거나 통신이 닿지 않는 곳에 있습니다", False),
    "3003": ("휴대전화의 메시지 저장 공간이 가득 찼습니다", False),
    "3004": ("받는 사람이 수신을 거부했습니다", False),
    "3005": ("통신사가 스팸으로 차단했습니다", False),
}


@dataclass(frozen=True)
class SensSettings:
    access_key: str
    secret_key: str
    service_id: str
    sender: str  # the caller number registered with SENS, digits only
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 10.0
    connect_timeout: float = 5.0
    max_attempts: int = 4  # per request, for 429 and 5xx answers and refused connections
    backoff: float = 1.0  # seconds before the second attempt, doubled after each


def signature(*, secret_key: str, method: str, uri: str, timestamp: str, access_key: str) -> str:
    """The x-ncp-apigw-signature-v2 value of one request."""
    message = f"{method} {uri}\n{timestamp}\n{access_key}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class SensAuth(httpx.Auth):
    """Signs every request httpx sends, retries included, with a fresh timestamp."""

    def __init__(self, access_key: str, secret_key: str, clock: Callable[[], float]):
        self.access_key, self.secret_key, self.clock = access_key, secret_key, clock

    def auth_flow(self, request: httpx.Request):
        timestamp = str(int(self.clock() * 1000))
        uri = request.url.raw_path.decode("ascii")
        request.headers["x-ncp-apigw-timestamp"] = timestamp
        request.headers["x-ncp-iam-access-key"] = self.access_key
        request.headers["x-ncp-apigw-signature-v2"] = signature(
            secret_key=self.secret_key, method=request.method, uri=uri,
            timestamp=timestamp, access_key=self.access_key,
        )  # fmt: skip
        yield request


def domestic_number(e164: str) -> str | None:
    """The digits SENS expects for a Korean mobile ("01012345678"), None for anything else."""
    try:
        number = phonenumbers.parse(e164, "KR")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 82 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        return None
    return f"0{phonenumbers.national_significant_number(number)}"


def international(digits: str) -> str:
    """A domestic number from SENS back in E.164."""
    number = phonenumbers.parse(digits, "KR")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def requests_for(messages: Iterable[tuple[OutgoingSms, str, str]]) -> list[list]:
    """One request per type and content type, of at most BATCH_LIMIT messages each."""
    ordered = sorted(messages, key=lambda item: (item[2], item[0].advert))
    chunks = []
    for _key, group in groupby(ordered, key=lambda item: (item[2], item[0].advert)):
        items = list(group)
        chunks += [items[i : i + BATCH_LIMIT] for i in range(0, len(items), BATCH_LIMIT)]
    return chunks


def error_text(response: httpx.Response) -> str:
    """The provider's own words for a refusal, whatever shape its body has."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        return " ".join(str(error.get(key)) for key in ("errorCode", "message") if error.get(key))
    if isinstance(body, dict):
        return str(body.get("errorMessage") or body.get("statusName") or body)[:200]
    return str(body)[:200]


def retry_delay(response: httpx.Response | None, attempt: int, backoff: float) -> float:
    """Seconds to wait: the provider's Retry-After when it gives one, else doubling backoff."""
    value = response.headers.get("Retry-After") if response is not None else None
    if value:
        if value.strip().isdigit():
            return float(value)
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            pass
    return backoff * 2**attempt


def _seoul_time(text: str | None, layout: str) -> datetime | None:
    return datetime.strptime(text, layout).replace(tzinfo=SEOUL) if text else None


def delivery_from(record: dict) -> Delivery:
    """One message of a result lookup as delivered, failed (with its reason) or pending."""
    base = {
        "message_id": record["messageId"], "request_id": record.get("requestId", ""),
        "to": international(record["to"]),
    }  # fmt: skip
    if record.get("status") != "COMPLETED":
        return Delivery(**base, state="pending")
    done = _seoul_time(record.get("completeTime"), "%Y-%m-%d %H:%M:%S")
    code = str(record.get("statusCode", ""))
    if code == "0":
        return Delivery(**base, state="delivered", completed_at=done)
    fallback = f"통신사 오류 {code}: {record.get('statusMessage') or '사유 미상'}"
    reason, dead = RESULTS.get(code, (fallback, False))
    return Delivery(**base, state="failed", reason=reason, permanent=dead, completed_at=done)


class SensClient:
    """One SENS service: sends batches, reads delivery results and the 080 opt-out list."""

    def __init__(self, settings: SensSettings, *, sleep=time.sleep, clock=time.time):
        self.settings, self.sleep = settings, sleep
        self.http = httpx.Client(
            base_url=settings.base_url.rstrip("/"),
            auth=SensAuth(settings.access_key, settings.secret_key, clock),
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        )
        self.path = f"/sms/v2/services/{settings.service_id}"

    def send_batch(self, messages: Sequence[OutgoingSms], kinds: dict[str, str]) -> BatchReport:
        """Send each message as its kind ("sms" or "lms"); one signed request per 100."""
        report, ready = BatchReport(), []
        for message in messages:
            digits = domestic_number(message.to)
            if digits is None:
                report.refused[message.ref] = "문자를 받을 수 있는 휴대전화 번호가 아닙니다"
            else:
                ready.append((message, digits, kinds[message.ref]))
        for chunk in requests_for(ready):
            refs = [message.ref for message, _digits, _kind in chunk]
            if report.outage or report.retry_after is not None:
                report.defer(refs, "앞선 요청이 실패해 보내지 않았습니다")
            else:
                self._post(chunk, refs, report)
        return report

    def _post(self, chunk: list, refs: list[str], report: BatchReport) -> None:
        try:
            response = self._attempts(
                lambda: self.http.post(
                    f"{self.path}/messages", json=body(chunk, self.settings.sender)
                )
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            report.outage = True
            report.defer(refs, f"SENS에 연결할 수 없습니다: {error}")
            return
        except httpx.TransportError as error:
            # Sent, but no answer: SENS has no idempotency key, so resending could double it.
            report.uncertain.update(dict.fromkeys(refs, f"SENS의 응답이 없습니다: {error}"))
            return
        self._record(response, refs, report)

    def _record(self, response: httpx.Response, refs: list[str], report: BatchReport) -> None:
        status = response.status_code
        if status == 202:
            report.accepted.update(dict.fromkeys(refs, response.json()["requestId"]))
        elif status == 429:
            report.retry_after = retry_delay(
                response, self.settings.max_attempts, self.settings.backoff
            )
            report.defer(refs, f"SENS가 요청이 너무 많다고 답했습니다: {error_text(response)}")
        elif status >= 500 or status in (401, 403):
            # Nothing was accepted: a 5xx is the provider's outage, a 401/403 our keys; both
            # leave the messages waiting instead of failing residents for our configuration.
            report.outage = True
            report.defer(refs, f"SENS가 받지 않았습니다 ({status}): {error_text(response)}")
        else:
            report.refused.update(
                dict.fromkeys(refs, f"SENS가 거절했습니다 ({status}): {error_text(response)}")
            )

    def _attempts(self, request: Callable[[], httpx.Response]) -> httpx.Response:
        """Repeat a request SENS did not process (429, 5xx, refused connection), backing off."""
        attempt, response = 0, None
        while True:
            last = attempt + 1 >= self.settings.max_attempts
            try:
                response = request()
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if last:
                    raise
                response = None
            else:
                if last or (response.status_code != 429 and response.status_code < 500):
                    return response
            self.sleep(retry_delay(response, attempt, self.settings.backoff))
            attempt += 1

    def _get(self, path: str, params: dict | None = None):
        response = self._attempts(lambda: self.http.get(f"{self.path}{path}", params=params))
        if response.status_code != 200:
            raise SensUnavailable(
                f"SENS 조회 실패 ({response.status_code}): {error_text(response)}"
            )
        return response.json()

    def delivery_results(self, request_id: str) -> list[Delivery]:
        """The result of every message of one send request."""
        listed = self._get("/messages", {"requestId": request_id})["messages"]
        return [self.delivery(item["messageId"]) for item in listed]

    def delivery(self, message_id: str) -> Delivery:
        """The result of one message."""
        return delivery_from(self._get(f"/messages/{message_id}")["messages"][0])

    def opt_outs(self, since: datetime | None = None) -> list[OptOut]:
        """The 080 opt-out list, every page, registered since a time when given."""
        params, found = {"pageSize": BATCH_LIMIT, "pageIndex": 0}, []
        if since is not None:
            params["startTime"] = int(since.timestamp() * 1000)
        while True:
            page = self._get("/unsubscribes", params)
            found += [opt_out_from(item) for item in page]
            if len(page) < BATCH_LIMIT:
                return found
            params["pageIndex"] += 1


class SensUnavailable(Exception):
    """A lookup SENS did not answer: try again later."""


def body(chunk: list, sender: str) -> dict:
    """The JSON of one send request."""
    first, _digits, kind = chunk[0]
    return {
        "type": kind.upper(), "contentType": "AD" if first.advert else "COMM",
        "countryCode": "82", "from": sender, "content": first.text,
        **({"subject": first.subject} if kind == "lms" and first.subject else {}),
        "messages": [_one(message, digits, kind) for message, digits, _kind in chunk],
    }  # fmt: skip


def _one(message: OutgoingSms, digits: str, kind: str) -> dict:
    item = {"to": digits, "content": message.text}
    if kind == "lms" and message.subject:
        item["subject"] = message.subject
    return item


def opt_out_from(item: dict) -> OptOut:
    """One entry of the 080 list."""
    registered = item.get("registerTime")
    at = datetime.fromisoformat(registered).replace(tzinfo=SEOUL) if registered else None
    via = "call" if item.get("registerType") == "C" else "manual"
    return OptOut(phone=international(item["clientTelNo"]), registered_at=at, via=via)
