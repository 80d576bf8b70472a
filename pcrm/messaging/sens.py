"""Naver Cloud SENS SMS API v2: signed requests, batches of 100, delivery results, 080 opt-outs.

Checked against the public documentation (api.ncloud-docs.com, "SMS API" and "sens-sms-*"
pages, November 2026):
- headers x-ncp-apigw-timestamp (ms since the epoch; more than 5 minutes off is refused),
  x-ncp-iam-access-key and x-ncp-apigw-signature-v2 = base64(HMAC-SHA256(secret,
  "METHOD URI\\ntimestamp\\naccessKey"));
- POST /sms/v2/services/{serviceId}/messages with type SMS|LMS|MMS, contentType COMM|AD,
  from, subject, content (the default) and messages[] of to/subject/content; the text is
  EUC-KR, emoji make the send fail, a text too long for its type is cut and sent (so the
  type must be right: sms.message_kind picks it); the answer is 202 with requestId,
  requestTime, statusCode "202" and statusName "success";
- GET .../messages?requestId= lists the request's messages (messageId, to, ...);
  GET .../messages/{messageId} answers statusCode/statusName and messages[] with status
  READY|PROCESSING|COMPLETED, statusCode "0" on success (anything else failed), statusName
  success|fail, statusMessage, telcoCode, completeTime "yyyy-MM-dd HH:mm:ss";
- GET .../unsubscribes?pageSize=1..100&pageIndex=0..&startTime= answers a JSON array of
  clientTelNo, registerTime ("YYYY-MM-DDTHH:mm:ss.sss"), registerType C (080 call) | M (manual);
- API Gateway failures: 401 with error code 200 "Authentication Failed" or 210 "Permission
  Denied", 403/230 "Forbidden", and the send answers 400, 401, 403, 404, 429 and 500.
Assumed, because the pages found do not say it:
- URI in the signature is the path with its query string (as the Ncloud signature guide's
  example and public clients do); the error body is {"error": {"errorCode", "message",
  "details"}} (error_text reads any JSON or text body, so a different shape costs only words);
- the carriers' failure codes behind statusCode (sens_format.RESULTS): only "0" is documented
  here; any other code falls back to the carrier's statusMessage;
- a 429, 500, 502 or 503 means SENS did not process the request, so sending it again cannot
  double it; a 504 may follow a processed request and is reported as uncertain;
- Retry-After on a 429; times in responses are Korean time.
There is no idempotency key in the API: a request whose answer never comes is reported as
uncertain (look it up, never resend blindly).
"""

import base64
import hashlib
import hmac
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import cache

import httpx

from pcrm.messaging.sens_format import (
    BATCH_LIMIT,
    body,
    delivery_from,
    domestic_number,
    opt_out_from,
    requests_for,
)
from pcrm.messaging.sms_batch import BatchReport, Delivery, OptOut, OutgoingSms

DEFAULT_BASE_URL = "https://sens.apigw.ntruss.com"
# Answers that mean SENS did not take the request, so sending it again cannot double it.
UNPROCESSED = {429, 500, 502, 503}
# The provider cannot reach this number at all: the subscriber's phone is marked invalid.
NOT_A_MOBILE_NUMBER = "문자를 받을 수 있는 휴대전화 번호가 아닙니다"


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


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA bundle costs 40 ms, a batch's send."""
    return ssl.create_default_context()


def warm_up() -> None:
    """Load once what every client needs (the CA bundle, httpx's transport), so that a
    worker loads it before its first job instead of in its first batch."""
    httpx.HTTPTransport(verify=_tls()).close()


class SensClient:
    """One SENS service: sends batches, reads delivery results and the 080 opt-out list."""

    def __init__(self, settings: SensSettings, *, sleep=time.sleep, clock=time.time):
        self.settings, self.sleep = settings, sleep
        self.http = httpx.Client(
            verify=_tls(),
            base_url=settings.base_url.rstrip("/"),
            auth=SensAuth(settings.access_key, settings.secret_key, clock),
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        )
        self.path = f"/sms/v2/services/{settings.service_id}"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.http.close()

    def send_batch(self, messages: Sequence[OutgoingSms], kinds: dict[str, str]) -> BatchReport:
        """Send each message as its kind ("sms" or "lms"); one signed request per 100."""
        report, ready = BatchReport(), []
        for message in messages:
            digits = domestic_number(message.to)
            if digits is None:
                report.refused[message.ref] = NOT_A_MOBILE_NUMBER
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
        elif status == 504:
            # The gateway gave up waiting for SENS, which may still have taken the request.
            report.uncertain.update(dict.fromkeys(refs, "SENS의 응답이 늦어 끊겼습니다 (504)"))
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
                if last or response.status_code not in UNPROCESSED:
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
