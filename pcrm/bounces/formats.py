"""The report formats: RFC 3464 delivery status, RFC 5965 feedback reports, and free text."""

import base64
import contextlib
import logging
import quopri
import re
from email.message import Message

from flufl.bounce import all_failures

from pcrm.bounces import codes
from pcrm.bounces.mime import ORIGINAL_TYPES, decode_bytes, header
from pcrm.bounces.report import BounceKind, Failure, Report

# flufl.bounce logs each detector that trips on odd input (an 8-bit From header, say) with a
# traceback before re-raising; free_text_failures catches that and reads the text instead.
logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)

ADDRESS = re.compile(r"[A-Za-z0-9._%+=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$")
_NOT_RECIPIENT = re.compile(
    r"mailer-daemon|postmaster|^(bounces|unsubscribe)\+|^(no-?reply|abuse|root)@", re.IGNORECASE
)
# Where a non-standard bounce starts quoting our message: addresses below are not recipients.
_COPY = re.compile(
    r"^.*(original message|copy of the (original )?message|below this line|message headers follow"
    r"|returned message|undelivered message|원본 메시지|원문|보낸 메일 정보).*$",
    re.IGNORECASE | re.MULTILINE,
)
_WINDOW = 600
_MAX_RECIPIENTS = 50


def delivery_status(message: Message, text: str) -> tuple[tuple[Failure, ...], bool]:
    """(failed or delayed recipients, whether any recipient was reported delivered)."""
    failures: dict[str, Failure] = {}
    delivered = False
    for block in _status_blocks(message):
        action = block.get("action", "").lower()
        recipient = _address(block.get("final-recipient") or block.get("original-recipient"))
        if action in ("delivered", "relayed", "expanded"):
            delivered = True
            continue
        said = block.get("diagnostic-code", "").split(";", 1)[-1].strip()
        status_field = block.get("status", "")
        if not said and recipient:
            said = _window(text, recipient)
        status = codes.status_from_text(f"{status_field} {said}") or _status_only(status_field)
        if (recipient is None and status is None) or action not in ("failed", "delayed", ""):
            continue
        if action == "" and not (status and status[0] in "45"):
            continue
        kind = codes.kind_for(status, said, delayed=action == "delayed")
        failures.setdefault((recipient or "").lower(), Failure(recipient, kind, status, said[:500]))
    return tuple(failures.values()), delivered


def feedback_report(message: Message, context: dict) -> Report:
    """An ARF report: a complaint about the original it carries (RFC 5965)."""
    fields = {}
    for block in _status_blocks(message, "message/feedback-report"):
        fields.update(block)
    if fields.get("feedback-type", "abuse").lower() == "not-spam":
        return Report(BounceKind.NONE, why="스팸 아님 신고", **context)
    recipient = _address(fields.get("original-rcpt-to") or fields.get("removal-recipient"))
    recipient = recipient or _original_recipient(message)
    token = context["message_token"] or _token(fields.get("original-mail-from", ""))
    failure = Failure(recipient, BounceKind.COMPLAINT, None, fields.get("feedback-type", "abuse"))
    return Report(
        BounceKind.COMPLAINT,
        (failure,),
        why="수신자가 스팸으로 신고함",
        **{**context, "message_token": token},
    )


def free_text_failures(
    message: Message, text: str, *, delayed: bool = False
) -> tuple[Failure, ...]:
    """The failed recipients of a non-standard bounce with what its text says of each
    (`delayed`: the report is a delay warning, so every one of them is soft)."""
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a detector tripping on odd input: fall back to the text alone
        temporary, permanent = frozenset(), frozenset()
    found = {_decode(a): True for a in temporary} | {_decode(a): False for a in permanent}
    found = {a: late for a, late in found.items() if a}
    for value in message.get_all("X-Failed-Recipients") or ():
        found.update(dict.fromkeys((a for a in ADDRESS.findall(str(value))), False))
    found = {a: late for a, late in found.items() if not _NOT_RECIPIENT.search(a)}
    if not found:
        found = dict.fromkeys(_text_recipients(message, text), False)
    failures = []
    for recipient, late in list(found.items())[:_MAX_RECIPIENTS]:
        said = _window(text, recipient)
        if codes.status_from_text(said) is None:  # the reason is written elsewhere, or once
            said = text
        status = codes.status_from_text(said)
        kind = codes.kind_for(status, said, delayed=late or delayed)
        failures.append(Failure(recipient, kind, status, " ".join(said.split())[:500]))
    return tuple(failures)


def _text_recipients(message: Message, text: str) -> list[str]:
    """Addresses the report's own text names, before any copy of our message, but not the
    report's sender and addressee (e.g. Korean webmail notices flufl.bounce does not know)."""
    copy = _COPY.search(text)
    own = {
        a.lower()
        for name in ("From", "To", "Reply-To")
        for a in ADDRESS.findall(header(message, name))
    }
    candidates = ADDRESS.findall(text[: copy.start()] if copy else text)
    return list(
        dict.fromkeys(
            a for a in candidates if a.lower() not in own and not _NOT_RECIPIENT.search(a)
        )
    )


def _window(text: str, recipient: str) -> str:
    """What the text says right after naming `recipient`, up to the next address it names."""
    at = text.lower().find(recipient.lower())
    if at < 0:
        return ""
    rest = text[at + len(recipient) : at + len(recipient) + _WINDOW]
    for other in ADDRESS.finditer(rest):
        if other.group(0).lower() != recipient.lower():
            return rest[: other.start()]
    return rest


def _status_blocks(message: Message, ctype: str = "message/delivery-status") -> list[dict]:
    """The field blocks of every `ctype` part, names lower-cased, values unfolded."""
    blocks = []
    for part in message.walk():
        if part.get_content_type() not in (ctype, ctype.replace("/", "/global-")):
            continue
        payload = part.get_payload()
        encoded = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
        if isinstance(payload, list) and encoded not in ("base64", "quoted-printable"):
            # compat32 parses each block into a sub-message
            blocks.extend({k.lower(): _field(v) for k, v in b.raw_items()} for b in payload)
        else:
            blocks.extend(_parse_blocks(_encoded_text(payload, encoded, part)))
    return blocks


def _field(value) -> str:
    """A status field as text: raw 8-bit bytes (a Korean Diagnostic-Code in EUC-KR, say) come
    out of compat32 as surrogate escapes, decoded here by the usual charsets."""
    text = str(value)
    if not text.isascii():
        with contextlib.suppress(UnicodeEncodeError):  # already text, not escaped bytes
            text = decode_bytes(text.encode("ascii", "surrogateescape"), None)
    return " ".join(text.split())


def _encoded_text(payload, encoded: str, part: Message) -> str:
    """A status part sent base64 or quoted-printable (compat32 leaves it undecoded)."""
    body = payload if isinstance(payload, str) else "\n".join(b.as_string() for b in payload)
    if encoded == "base64":
        data = base64.b64decode(body.encode("ascii", "ignore"), validate=False)
    elif encoded == "quoted-printable":
        data = quopri.decodestring(body.encode("ascii", "ignore"))
    else:
        data = body.encode("utf-8", "replace")
    return decode_bytes(data, part.get_content_charset())


def _parse_blocks(text: str) -> list[dict]:
    blocks, current, name = [], {}, None
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, name = {}, None
        elif line[0] in " \t" and name:
            current[name] += " " + line.strip()
        elif match := _FIELD.match(line):
            name = match.group(1).lower()
            current[name] = match.group(2).strip()
    if current:
        blocks.append(current)
    return blocks


def _original_recipient(message: Message) -> str | None:
    for part in message.walk():
        if part.get_content_type() in ORIGINAL_TYPES and part.is_multipart():
            found = ADDRESS.search(header(part.get_payload(0), "To"))
            return found.group(0) if found else None
        if part.get_content_type() in ("text/rfc822-headers", "message/rfc822-headers"):
            found = re.search(r"^To:.*$", part.get_payload(decode=True).decode("latin-1"), re.M)
            address = ADDRESS.search(found.group(0)) if found else None
            return address.group(0) if address else None
    return None


def _address(value: str | None) -> str | None:
    found = ADDRESS.search((value or "").split(";", 1)[-1])
    return found.group(0) if found else None


def _status_only(value: str) -> str | None:
    found = codes.ENHANCED.search(value)
    return found.group(0) if found else None


def _token(value: str) -> str | None:
    found = re.search(r"bounces\+([A-Za-z0-9_-]{16,64})@", value, re.IGNORECASE)
    return found.group(1) if found else None


def _decode(address: bytes | str) -> str:
    return address.decode("utf-8", "replace") if isinstance(address, bytes) else address
