"""The signs that tell a bounce from the mail that only looks automatic (pure).

RFC 3834 asks auto-responders to send from the null sender and mark `Auto-Submitted`, and mailer
daemons do the same: neither header nor sender alone tells them apart. A bounce names a failure
(a mailer daemon, a bounce subject, failure words); an auto-reply names an absence, a challenge
or a moderation queue. Only the first kind can ever be a bounce.
"""

import re
from email.message import Message

_MAILER = re.compile(
    r"mailer-daemon|postmaster|mail ?delivery (sub)?system|mail administrator|microsoftexchange",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|returned mail|mail delivery fail|delivery (status )?notification"
    r"|delivery fail|failure notice|could not be delivered|not delivered|non.?delivery"
    r"|delivery report|warning: (message|could not)|delayed mail|delivery delayed"
    r"|mail system error|returned to sender|발송 ?실패|전송 ?실패|배달 ?실패|반송|"
    r"수신 ?실패|전달 ?실패|메일 ?배달|(배달|전달|전송)되지 않|반송됨|delivery has failed"
    r"|permanent error",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(
    r"out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response|antwort)|^auto:"
    r"|autoreply|vacation|away from|on leave|abwesen|absence|absent|부재|자동 ?(응답|회신|답장)"
    r"|휴가|출장",
    re.IGNORECASE,
)
_CHALLENGE = re.compile(
    r"please confirm (your|that)|confirm your (message|e-?mail|address)|verify (you|your|that)"
    r"|challenge|sender verification|anti-?spam (verification|confirmation)|spam ?arrest"
    r"|verification required|requires? verification|awaiting verification|guest list"
    r"|발신자 (확인|인증)|본인 확인 요청",
    re.IGNORECASE,
)
_MODERATION = re.compile(
    r"awaits? moderat|held for moderat|pending moderat|requires approval|moderator approval"
    r"|(has been|is being) held|needs approval"
    r"|post to .* requires|승인 대기|관리자 승인",
    re.IGNORECASE,
)
_PERSON_PREFIX = re.compile(r"^\s*(re|fwd?|aw|wg|tr|sv|답장|회신|전달)\s*:", re.IGNORECASE)
_RECEIPT_SUBJECT = re.compile(
    r"^(read|not read|읽음|읽지 않음|읽은 메일|열람 확인|수신 확인|delivered|relayed)\s*:"
    r"|return receipt|read receipt|disposition notification",
    re.IGNORECASE,
)
_DELAY_SUBJECT = re.compile(
    r"delay|warning|still being retried|not yet (been )?delivered|지연|경고", re.IGNORECASE
)


def from_mailer(message: Message, sender: str) -> bool:
    return bool(_MAILER.search(sender)) or bool(message.get("X-Failed-Recipients"))


def person_subject(subject: str) -> bool:
    """A person's reply or forward ("Re:", "Fwd:", "답장:")."""
    return bool(_PERSON_PREFIX.match(subject))


def delay_subject(subject: str) -> bool:
    """A warning that delivery is late, not that it failed."""
    return bool(_DELAY_SUBJECT.search(subject))


def bounce_subject(subject: str) -> bool:
    """A bounce's subject, but not a person's reply to or forward of one."""
    return not person_subject(subject) and bool(_BOUNCE_SUBJECT.search(subject))


def not_a_bounce(message: Message, subject: str) -> str | None:
    """Why this is an auto-reply, a challenge, a moderation notice or a receipt, or None."""
    if _MODERATION.search(subject):
        return "메일링 리스트 승인 대기 안내"
    if _CHALLENGE.search(subject) or _has(message, "X-Boxtrapper", "X-TMDA-Fingerprint"):
        return "발신자 확인 요청 (챌린지-응답)"
    if _RECEIPT_SUBJECT.search(subject):
        return "읽음 확인"
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    if (
        auto.startswith("auto-replied")
        or _has(message, "X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Vacation")
        or precedence == "auto_reply"
        or _AUTO_SUBJECT.search(subject)  # also the Precedence: bulk vacation replies
    ):
        return "자동 응답 (부재중 등)"
    if auto.startswith("auto-generated"):
        return "자동 생성 메일 (반송 아님)"
    return None


def _has(message: Message, *names: str) -> bool:
    return any(message.get(name) is not None for name in names)
