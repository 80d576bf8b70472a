"""RFC 3463 status codes in words, for staff checking an address against a paper form."""

from flask_babel import lazy_gettext as _l

EXACT = {
    "5.1.1": _l("받는 사람 주소가 없음"),
    "5.1.2": _l("도메인(@ 뒤)이 없음"),
    "5.1.3": _l("주소 형식이 잘못됨"),
    "5.1.6": _l("받는 사람이 다른 곳으로 옮김"),
    "5.1.10": _l("도메인이 메일을 받지 않음"),
    "5.2.1": _l("메일함이 사용 중지됨"),
    "5.2.2": _l("메일함이 가득 참"),
    "4.2.2": _l("메일함이 가득 참"),
    "5.2.3": _l("메일이 너무 큼"),
    "5.4.4": _l("도메인의 메일 서버를 찾을 수 없음"),
    "4.4.7": _l("전달 시간 초과"),
    "5.7.1": _l("받는 쪽 정책으로 거부(스팸 차단 등)"),
}
BY_SUBJECT = {
    "1": _l("주소 문제"),
    "2": _l("메일함 문제"),
    "3": _l("받는 메일 서버 문제"),
    "4": _l("네트워크·경로 문제"),
    "5": _l("전송 절차 문제"),
    "6": _l("내용·형식 문제"),
    "7": _l("보안·정책 문제"),
}
BY_CLASS = {"2": _l("전달됨"), "4": _l("일시 오류"), "5": _l("영구 오류")}


def describe(status: str | None) -> str:
    """A status code in words: "5.1.1" -> "받는 사람 주소가 없음"; codes outside RFC 3463
    (an SMS provider's result) are shown as they are."""
    if not status:
        return ""
    if status in EXACT:
        return str(EXACT[status])
    parts = status.split(".")
    if len(parts) != 3 or parts[0] not in BY_CLASS:
        return status
    subject = BY_SUBJECT.get(parts[1])
    return f"{BY_CLASS[parts[0]]}: {subject}" if subject else str(BY_CLASS[parts[0]])
