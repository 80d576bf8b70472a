"""Whether a reply asks to stop texts: "수신거부", "거부", "STOP", "그만", "080", ..."""

import re
import unicodedata

# Compared after NFKC (full-width "ＳＴＯＰ" is "STOP"), case folding, and with every space
# and punctuation mark removed ("수신 거부!" is "수신거부").
WHOLE = {"거부", "stop", "그만", "중지", "해지", "취소", "탈퇴", "unsubscribe", "end", "quit"}
ANYWHERE = ("수신거부", "수신중지", "수신안함", "수신해지", "문자거부", "보내지마", "080")
NOT_WORD = re.compile(r"[\W_]+")


def normalised(text: str) -> str:
    """The reply as compared: NFKC, case-folded, without spaces or punctuation."""
    return NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def is_opt_out(text: str) -> bool:
    """True when the whole reply is a stop word, or it carries an opt-out phrase anywhere."""
    plain = normalised(text)
    return plain in WHOLE or any(phrase in plain for phrase in ANYWHERE)
