"""The SENS wire format: numbers, request bodies, delivery results and the 080 list."""

import re
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers

from pcrm.messaging.sms_batch import Delivery, OptOut, OutgoingSms

BATCH_LIMIT = 100  # messages in one send request
SEOUL = ZoneInfo("Asia/Seoul")  # SENS's times carry no zone (assumed Korean time)

# Carrier result codes (statusCode of a COMPLETED message) -> (reason, the number is dead).
# Only "0" (success) is in the public documentation: these are assumed, see sens.py.
RESULTS = {
    "3001": ("없는 번호(결번)이거나 정지된 번호입니다", True),
    "3002": ("휴대전화가 꺼져 있거나 통신이 닿지 않는 곳에 있습니다", False),
    "3003": ("휴대전화의 메시지 저장 공간이 가득 찼습니다", False),
    "3004": ("받는 사람이 수신을 거부했습니다", False),
    "3005": ("통신사가 스팸으로 차단했습니다", False),
}


MOBILE_010 = re.compile(r"\+8210\d{8}")  # nearly every Korean mobile: no parsing needed


def domestic_number(e164: str) -> str | None:
    """The digits SENS expects for a Korean mobile ("01012345678"), None for anything else."""
    if MOBILE_010.fullmatch(e164):
        return f"0{e164[3:]}"
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
    """One request per type and content type, of at most BATCH_LIMIT, each number once.

    Results come back by number within a request, so a number twice in one request would
    make its two results indistinguishable; the second goes into another request.
    """
    done: list[list] = []
    open_chunks: dict[tuple, list[tuple[list, set]]] = {}  # only chunks with room left
    for item in messages:
        message, digits, kind = item
        chunks = open_chunks.setdefault((kind, message.advert), [])
        chunk = next((c for c in chunks if digits not in c[1]), None)
        if chunk is None:
            chunk = ([], set())
            chunks.append(chunk)
            done.append(chunk[0])
        chunk[0].append(item)
        chunk[1].add(digits)
        if len(chunk[0]) == BATCH_LIMIT:
            chunks.remove(chunk)
    return done


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
