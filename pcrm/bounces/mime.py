"""Text out of mail as it arrives: any charset, any transfer encoding, HTML or plain (pure)."""

import html
import re
from email.header import decode_header
from email.message import Message

# Korean mail often declares EUC-KR but uses CP949 (its superset) characters, and some clients
# declare charsets Python does not know by that name.
_CHARSET_ALIASES = {
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-windows-949": "cp949",
    "windows-949": "cp949",
    "unknown-8bit": "utf-8",
    "us-ascii": "utf-8",
}
_FALLBACKS = ("utf-8", "cp949", "latin-1")
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_BREAKS = re.compile(r"<br\s*/?>|</(p|div|tr|li|h\d)>", re.IGNORECASE)
ORIGINAL_TYPES = ("message/rfc822", "message/global")
HEADER_TYPES = ("text/rfc822-headers", "message/rfc822-headers", "text/rfc822-header")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """`data` as text: the declared charset when it works, else the likely ones."""
    names = [_CHARSET_ALIASES.get((charset or "").lower(), charset)] if charset else []
    for name in [*names, *_FALLBACKS]:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")  # never reached: latin-1 decodes any bytes


def header(message: Message, name: str) -> str:
    """A header as text: RFC 2047 encoded words decoded (EUC-KR subjects included), and raw
    8-bit bytes, which some Korean mailers still send, read by the usual charsets."""
    value = next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)
    if value is None:
        return ""
    value = str(value)
    if not value.isascii():  # compat32 keeps raw bytes as surrogate escapes
        value = decode_bytes(value.encode("ascii", "surrogateescape"), None)
    try:
        pieces = decode_header(value)
    except Exception:  # a malformed encoded word: show it as it came
        return " ".join(value.split())
    text = "".join(
        decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
        for chunk, charset in pieces
    )
    return " ".join(text.split())


def part_text(part: Message) -> str:
    """A text part's content, decoded; HTML reduced to its words."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload() or "").encode("utf-8", "replace")
    text = decode_bytes(payload, part.get_content_charset())
    if part.get_content_subtype() == "html":
        text = html.unescape(_TAGS.sub(" ", _BREAKS.sub("\n", text)))
    return text


def readable_text(message: Message) -> str:
    """What the report says to a person: its text parts, not the returned original."""
    texts = []
    stack = [message]
    while stack:
        part = stack.pop(0)
        ctype = part.get_content_type()
        if part.is_multipart() and ctype not in ORIGINAL_TYPES:
            stack[:0] = [p for p in part.get_payload() if isinstance(p, Message)]
        elif ctype in ("text/plain", "text/html") or (part is message and ctype.startswith("text")):
            texts.append(part_text(part))
    return "\n".join(texts)


def returned_text(message: Message) -> str:
    """Everything the report carries of the original: headers of attached originals, returned
    header blocks and the report's own text (qmail and Exim paste the original inline)."""
    texts = []
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype in ORIGINAL_TYPES and part.is_multipart():
            for original in part.get_payload():
                texts.extend(f"{name}: {value}" for name, value in original.items())
        elif ctype in HEADER_TYPES or ctype.startswith("text/"):
            texts.append(part_text(part))
    return "\n".join(texts)
