"""A local Naver Cloud SENS SMS API v2, as its public documentation describes it.

It checks what the real gateway checks (signature, a timestamp within 5 minutes, the access
key, the service id) and the request shape (type, contentType, the registered caller number,
at most 100 messages, EUC-KR text; a text too long for its type is cut, as SENS cuts it),
answers with the documented bodies, throttles or fails on demand, and keeps what it accepted
so that result lookups return delivery results.
"""

import json
import threading
import time
import uuid
from datetime import datetime, timedelta

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from pcrm.messaging.sens import signature
from pcrm.messaging.sens_format import RESULTS, SEOUL

PREFIX = "/sms/v2/services/<service_id>"
ROUTES = Map(
    [
        Rule(f"{PREFIX}/messages", methods=["POST"], endpoint="send"),
        Rule(f"{PREFIX}/messages", methods=["GET"], endpoint="listing"),
        Rule(f"{PREFIX}/messages/<message_id>", methods=["GET"], endpoint="result"),
        Rule(f"{PREFIX}/unsubscribes", methods=["GET"], endpoint="unsubscribes"),
    ]
)
SIZES = {"SMS": 90, "LMS": 2000, "MMS": 2000}


def failure(status: int, code: str, message: str) -> Response:
    """An API Gateway error body."""
    body = {"error": {"errorCode": code, "message": message, "details": message}}
    return _json(body, status)


def _json(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status, headers, content_type="application/json"
    )


class FakeSens:
    def __init__(self, *, access_key="AK", secret_key="SK", service_id="ncp:sms:kr:1:pcrm"):
        sender = "0222860000"  # the caller number registered with this fake service
        self.access_key, self.secret_key = access_key, secret_key
        self.service_id, self.sender = service_id, sender
        self.send_requests: list[dict] = []  # every accepted send body, in order
        self.answers: list[int] = []  # statuses of every send attempt, in order
        self.messages: dict[str, dict] = {}  # messageId -> record
        self.dead_numbers: set[str] = set()  # domestic digits that fail as 결번 (3001)
        # domestic digits -> how many more messages to them fail as 전원 꺼짐/음영지역 (3002)
        self.unreachable: dict[str, int] = {}
        self.processing: set[str] = set()  # domestic digits whose messages stay PROCESSING
        self.throttle = 0  # answer this many next requests with 429
        self.retry_after = "0"
        self.down = False  # answer everything with 503
        self.send_status: int | None = None  # answer sends with this gateway status instead
        self.hold: threading.Event | None = None  # accept a send, then answer once it is set
        self.opt_outs: list[dict] = []
        self.outcomes: dict[str, str] = {}  # messageId -> its carrier result code, at send
        self.lock = threading.Lock()
        self.server = None

    @property
    def contents(self) -> list[str]:
        """The text each accepted message will carry, as SENS keeps it."""
        return [m["content"] for m in self.messages.values()]

    @property
    def accepted_to(self) -> list[str]:
        """Every number accepted, in order, once per accepted message."""
        return [m["to"] for body in self.send_requests for m in body["messages"]]

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, args = ROUTES.bind_to_environ(environ).match()
        except HTTPException:
            return failure(404, "300", "Not Found")(environ, start_response)
        with self.lock:
            response = self.refusal(request, args["service_id"]) or getattr(self, endpoint)(
                request, **{k: v for k, v in args.items() if k != "service_id"}
            )
        return response(environ, start_response)

    def refusal(self, request: Request, service_id: str) -> Response | None:
        """What the gateway answers before the service sees the request, if anything."""
        answer = None
        if self.down:
            answer = failure(503, "500", "Service Unavailable")
        elif self.send_status and request.method == "POST":
            answer = failure(self.send_status, str(self.send_status), "Gateway Error")
        elif self.throttle:
            self.throttle -= 1
            answer = failure(429, "429", "Too Many Requests")
            answer.headers["Retry-After"] = self.retry_after
        elif not self.signed(request):
            answer = failure(401, "200", "Authentication Failed")
        elif service_id != self.service_id:
            answer = failure(404, "300", "Not Found")
        if request.method == "POST":
            self.answers.append(answer.status_code if answer else 0)
        return answer

    def signed(self, request: Request) -> bool:
        """A known access key, a timestamp within 5 minutes and the right signature."""
        headers = request.headers
        timestamp = headers.get("x-ncp-apigw-timestamp", "")
        if headers.get("x-ncp-iam-access-key") != self.access_key or not timestamp.isdigit():
            return False
        if abs(time.time() * 1000 - int(timestamp)) > 5 * 60 * 1000:
            return False
        uri = request.environ.get("RAW_URI") or request.full_path.rstrip("?")
        expected = signature(
            secret_key=self.secret_key, method=request.method, uri=uri,
            timestamp=timestamp, access_key=self.access_key,
        )  # fmt: skip
        return headers.get("x-ncp-apigw-signature-v2") == expected

    def send(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        problem = shape_problem(body, self.sender)
        if problem:
            self.answers[-1] = 400
            return _json({"status": 400, "errorMessage": problem}, 400)
        self.answers[-1] = 202
        request_id = f"RSSA-{uuid.uuid4().hex}"
        now = datetime.now(SEOUL).strftime("%Y-%m-%d %H:%M:%S")
        for item in body["messages"]:
            message_id = str(uuid.uuid4())
            self.outcomes[message_id] = self._outcome(item["to"])
            self.messages[message_id] = {
                "requestId": request_id, "messageId": message_id, "requestTime": now,
                "contentType": body.get("contentType", "COMM"), "type": body["type"].upper(),
                "countryCode": "82", "from": body["from"], "to": item["to"],
                "content": cut(item.get("content", body["content"]), SIZES[body["type"].upper()]),
            }  # fmt: skip
        self.send_requests.append(body)
        answer = {"requestId": request_id, "requestTime": now}
        if self.hold is not None:
            self.hold.wait(10)
        return _json(answer | {"statusCode": "202", "statusName": "success"}, 202)

    def listing(self, request: Request) -> Response:
        request_id = request.args.get("requestId")
        keys = ("messageId", "requestTime", "contentType", "countryCode", "from", "to")
        found = [
            {key: m[key] for key in keys}
            for m in self.messages.values() if m["requestId"] == request_id
        ]  # fmt: skip
        if not found:
            return failure(404, "300", "Not Found")
        body = {"requestId": request_id, "statusCode": "202", "statusName": "success"}
        return _json(body | {"messages": found})

    def result(self, request: Request, message_id: str) -> Response:
        message = self.messages.get(message_id)
        if message is None:
            return failure(404, "300", "Not Found")
        code = self.outcomes.get(message_id, "0")
        public = {k: v for k, v in message.items() if not k.startswith("_")}
        if message["to"] in self.processing:
            record = public | {"status": "PROCESSING"}
        else:
            # As SENS: a message completes once, and every read tells the same time.
            done = message.setdefault(
                "_completed", datetime.now(SEOUL).strftime("%Y-%m-%d %H:%M:%S")
            )
            record = public | {
                "status": "COMPLETED", "statusCode": code,
                "statusName": "success" if code == "0" else "fail",
                "statusMessage": RESULTS[code][0] if code in RESULTS else "성공",
                "completeTime": done, "telcoCode": "SKT",
            }  # fmt: skip
        return _json({"statusCode": "200", "statusName": "success", "messages": [record]})

    def _outcome(self, digits: str) -> str:
        """The carrier result a message to this number will have: 결번, 전원 꺼짐 or success."""
        if digits in self.dead_numbers:
            return "3001"
        if self.unreachable.get(digits, 0) > 0:
            self.unreachable[digits] -= 1
            return "3002"
        return "0"

    def unsubscribes(self, request: Request) -> Response:
        size = int(request.args.get("pageSize", 100))
        index = int(request.args.get("pageIndex", 0))
        if not 1 <= size <= 100 or index < 0:
            return _json({"status": 400, "errorMessage": "pageSize is 1..100"}, 400)
        since = int(request.args.get("startTime", 0))
        listed = [entry for entry in self.opt_outs if _ms(entry["registerTime"]) >= since]
        return _json(listed[index * size : (index + 1) * size])

    def add_opt_out(self, digits: str, *, via: str = "C", days_ago: int = 0) -> None:
        at = datetime.now(SEOUL) - timedelta(days=days_ago)
        self.opt_outs.append(
            {
                "clientTelNo": digits,
                "registerType": via,
                "registerTime": at.strftime("%Y-%m-%dT%H:%M:%S.000"),
            }
        )

    def start(self) -> str:
        """Serve on a free loopback port in a thread; the base URL."""
        self.server = make_server("127.0.0.1", 0, self, threaded=True, request_handler=Quiet)
        serve = lambda: self.server.serve_forever(poll_interval=0.02)  # noqa: E731 - quick stop
        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Quiet(WSGIRequestHandler):
    """No access log line per request. Werkzeug's server closes every connection after its
    answer, where SENS's gateway keeps it alive: here a client opens one per request."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs) -> None:
        pass


def cut(text: str, size: int) -> str:
    """What SENS sends of a text too long for its type: the documentation says it truncates."""
    return text.encode("cp949")[:size].decode("cp949", errors="ignore")


def _ms(register_time: str) -> int:
    return int(datetime.fromisoformat(register_time).replace(tzinfo=SEOUL).timestamp() * 1000)


def shape_problem(body, sender: str) -> str | None:
    """Why the documented request shape is not met, or None."""
    if not isinstance(body, dict):
        return "body must be JSON"
    kind = str(body.get("type", "")).upper()
    messages = body.get("messages")
    if kind not in SIZES:
        return "type must be SMS, LMS or MMS"
    if body.get("contentType", "COMM") not in ("COMM", "AD"):
        return "contentType must be COMM or AD"
    if body.get("from") != sender:
        return "from is not a registered caller number"
    if not body.get("content"):
        return "content is required"
    if not isinstance(messages, list) or not 1 <= len(messages) <= 100:
        return "messages must hold 1 to 100 items"
    for item in messages:
        to, text = str(item.get("to", "")), item.get("content", body["content"])
        if not to.isdigit():
            return f"to must be digits: {to!r}"
        try:
            text.encode("cp949")
        except UnicodeEncodeError:  # assumed: the documentation only says "sending fails"
            return "content has characters EUC-KR cannot carry"
    return None
