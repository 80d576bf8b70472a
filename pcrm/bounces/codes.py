"""From a remote server's words to an RFC 3463 status and a bounce kind (pure).

Servers say the same thing many ways: an enhanced code ("5.1.1"), a bare SMTP reply ("550"), or
only words ("User unknown", "사용자가 존재하지 않습니다"). The code wins when it is specific; the
words refine a generic one (5.0.0, a bare 550) and decide what a code alone cannot.
"""

import re

from pcrm.bounces.report import BounceKind

ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
REPLY = re.compile(r"(?<![\d.#-])([45][0-5]\d)(?:[ :-]|$)", re.MULTILINE)

# (status subject.detail, words). Checked in this order: a full mailbox or a policy block is
# said with words ("user", "recipient") that would otherwise read as a dead address.
_PHRASES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (detail, re.compile(words, re.IGNORECASE))
    for detail, words in (
        (
            "2.2",
            r"mailbox (is )?full|over ?quota|quota exceeded|exceed(s|ed)? (the )?(storage|quota)"
            r"|insufficient (system )?storage|storage (space|limit)|mailbox size limit"
            r"|메일함.{0,12}(용량|가득|꽉)|용량.{0,10}(초과|부족)|저장 공간"
            r"|postfach (ist )?voll|bo[iî]te (aux lettres )?pleine|quota d[ée]pass[ée]"
            r"|buz[oó]n lleno",
        ),
        (
            "7.1",
            r"spam|blacklist|blocklist|block ?list|blocked|reputation|spamhaus|\bRBL\b|DNSBL"
            r"|\bSPF\b|\bDKIM\b|\bDMARC\b|not authori[sz]ed|sender address rejected"
            r"|relay(ing)? (access )?denied"
            r"|policy|rejected (due to|for) content|스팸|차단|수신 거부",
        ),
        (
            "4.7",
            r"delivery (time )?expired|retry timeout|too long in (the )?queue|been delayed"
            r"|not (yet )?been delivered|will (continue to )?(retry|try)|배달 지연|전송 지연"
            r"|지연되고",
        ),
        (
            "2.1",
            r"(mailbox|account) (is )?(disabled|inactive|suspended|deactivated|locked)"
            r"|휴면|비활성|정지된 (계정|메일)",
        ),
        (
            "1.2",
            r"host (or domain name )?not found|domain (name )?(not found|does not exist)"
            r"|no (mx|mail exchanger)|unrouteable|nxdomain|존재하지 않는 도메인|도메인.{0,10}없",
        ),
        (
            "1.1",
            r"user(name)? (is )?unknown|unknown (user|recipient|local part|address|mailbox)"
            r"|no such (user|mailbox|recipient|address|account)|(user|address|account|recipient"
            r"|mailbox)( \S+)? (does not|doesn't) exist"
            r"|not a (valid|known) (user|mailbox|recipient)|invalid (recipient|mailbox|address)"
            r"|mailbox (unavailable|not found)|recipient address rejected|recipient not found"
            r"|user not found|(doesn't|does not) have an? (\S+ )?account|not listed in"
            r"|no mailbox here|unknown or illegal"
            r"|(사용자|계정|수신자|받는 ?사람|아이디|메일 ?주소|주소)[가이를은는]? ?"
            r"(존재하지|없|찾을 수)"
            r"|없는 (사용자|계정|아이디|메일 ?주소|주소)"
            r"|존재하지 않는 (사용자|계정|아이디|메일|주소)"
            r"|(benutzer|empf[äa]nger|adresse)\S*.{0,20}unbekannt|existiert nicht"
            r"|(utilisateur|destinataire) inconnu|adresse.{0,20}(inconnue|n'existe pas)"
            r"|(usuario|destinatario) desconocido|no existe|non esiste|n[ãa]o existe",
        ),
    )
)

# Permanent and about the address: it or its domain does not exist, or the mailbox is closed.
HARD_DETAILS = {"1", "2.1", "4.4"}
# Permanent but not about the address: full, too large, the remote system, protocol, content.
SOFT_SUBJECTS = {"2", "3", "4", "5", "6", "7"}


def statuses(text: str) -> list[str]:
    """Every RFC 3463 code written in `text`, in order (2.x.x success codes left out)."""
    return [m.group(0) for m in ENHANCED.finditer(text) if m.group(1) != "2"]


def status_from_text(text: str, *, default_class: str | None = None) -> str | None:
    """The most telling RFC 3463 code for a server's words: a specific written code, else one
    the words imply (class from an SMTP reply or `default_class`), else a generic x.0.0."""
    written = statuses(text)
    specific = [code for code in written if not code.endswith(".0.0")]
    if specific:
        return specific[0]
    reply = REPLY.search(text)
    klass = (written[0][0] if written else None) or (reply.group(1)[0] if reply else None)
    detail = phrase_detail(text)
    klass = klass or default_class or (detail and ("4" if detail == "4.7" else "5"))
    if klass is None:
        return None
    if detail:
        return f"{klass}.{detail}"
    if reply and reply.group(1) == "552":  # RFC 5321: exceeded storage allocation
        return "5.2.2"
    return f"{klass}.0.0"


def phrase_detail(text: str) -> str | None:
    """subject.detail ("1.1", "2.2", ...) the words imply, or None."""
    for detail, words in _PHRASES:
        if words.search(text):
            return detail
    return None


def kind_for(status: str | None, text: str = "", *, delayed: bool = False) -> BounceKind:
    """Hard or soft for one failed recipient.

    Soft: a delay, any 4.x.x, a full mailbox even as 5.2.2, and 5.7.x: a 5.7.x refusal is almost
    always about us (our IP's reputation, SPF/DKIM/DMARC, a content filter), not about the
    address, which would accept the next message once we fix that. Hard: the address or its
    domain does not exist (5.1.x, 5.4.4, a disabled mailbox) or an unexplained permanent failure.
    """
    if delayed or not status or not ENHANCED.fullmatch(status) or status.startswith("4"):
        return BounceKind.SOFT
    _, subject, detail = status.split(".")
    words = phrase_detail(text)
    if subject == "7" or words in ("2.2", "7.1", "4.7"):
        return BounceKind.SOFT
    if subject in HARD_DETAILS or f"{subject}.{detail}" in HARD_DETAILS or words:
        return BounceKind.HARD
    if subject in SOFT_SUBJECTS:
        return BounceKind.SOFT
    return BounceKind.HARD  # 5.0.0: refused for good, with no reason given
