"""SMS text as Korean providers count it: CP949 bytes, SMS or LMS, and what cannot be sent.

Providers count in EUC-KR; Python's `cp949` codec counts as they do (a Hangul syllable is two
bytes), while its `euc_kr` codec spells rare syllables such as 똠 as eight-byte sequences.
A character CP949 cannot carry is never dropped or replaced behind the sender's back: it is
reported with its position and name, with a replacement offered where an obvious one exists.
"""

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import gettext as _
from jinja2 import Environment
from jinja2.sandbox import SandboxedEnvironment

ENCODING = "cp949"
SMS_MAX_BYTES = 90
LMS_MAX_BYTES = 2000
LMS_SUBJECT_MAX_BYTES = 40

# Obvious stand-ins that CP949 carries; "" removes an invisible character.
REPLACEMENTS = {
    "\u00a0": " ",  # no-break space
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",  # zero width space
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",  # byte order mark
    "\ufe0e": "",  # variation selectors: emoji or text style of the character before
    "\ufe0f": "",
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2212": "-",  # minus sign
    "\u201a": ",",
    "\u201e": '"',
    "\u00ab": "《",
    "\u00bb": "》",
    "\u2039": "〈",
    "\u203a": "〉",
    "\u2022": "·",  # bullet
    "\u2219": "·",
    "\u22c5": "·",
    "\u2027": "·",
    "\u30fb": "·",
    "\u301c": "~",  # wave dash
    "\u20a9": "￦",  # won sign: the full-width one is in CP949
    "\u00a9": "(c)",
    "\u2764": "♥",
    "\u2714": "√",
    "\u2705": "√",
    "\u2028": "\n",
    "\u2029": "\n",
}
# Pictographs (emoji, flags) have no stand-in a text could carry: the editor offers to remove
# them. Only characters CP949 cannot carry are offered a replacement at all (★ and ☎ stay).
REMOVED_RANGES = (
    (0x1F000, 0x1FAFF),  # emoji, playing cards, regional indicators (flags)
    (0x2600, 0x27BF),  # miscellaneous symbols and dingbats
    (0x2B00, 0x2BFF),  # arrows and stars used as emoji
    (0xE0020, 0xE007F),  # tags of subdivision flags
)


class SmsType(StrEnum):
    SMS = "sms"
    LMS = "lms"
    REFUSED = "refused"


@dataclass(frozen=True)
class Unsendable:
    """A character CP949 cannot carry: where it is (1-based), its name, and a stand-in if any."""

    position: int
    char: str
    name: str
    replacement: str | None

    def as_dict(self) -> dict:
        return {
            "position": self.position,
            "char": self.char,
            "name": self.name,
            "replacement": self.replacement,
        }


@dataclass(frozen=True)
class Measure:
    """A text (and LMS subject) measured: bytes are None when a character cannot be sent."""

    text: str
    bytes: int | None
    type: SmsType
    unsendable: tuple[Unsendable, ...] = ()
    subject: str = ""
    subject_bytes: int | None = 0
    subject_unsendable: tuple[Unsendable, ...] = ()

    @property
    def refused(self) -> bool:
        return self.type is SmsType.REFUSED

    def replaced(self) -> str | None:
        """The text with every unsendable character replaced, or None if one has no stand-in."""
        return _replace(self.text, self.unsendable)

    def as_json(self) -> dict:
        """The `pcrm sms measure --json` object, as the issue's contract has it: CP949 bytes
        (null when refused, for whatever reason), the type, and the characters that cannot be
        sent, each once, in the order they first appear (positions and stand-ins are in the
        line `describe` gives)."""
        characters = [u.char for u in self.unsendable + self.subject_unsendable]
        return {
            "text": self.text,
            "bytes": None if self.refused else self.bytes,
            "type": self.type.value,
            "refused": list(dict.fromkeys(characters)),
        }

    def problem(self) -> str | None:
        """Why the text cannot be sent, in words; None when it can."""
        if self.unsendable or self.subject_unsendable:
            return _("문자로 보낼 수 없는 글자가 있습니다: %(chars)s", chars=_chars(self))
        if not self.text:
            return _("문자 내용이 비어 있습니다.")
        if self.subject_bytes is not None and self.subject_bytes > LMS_SUBJECT_MAX_BYTES:
            return _(
                "LMS 제목은 %(max)d바이트까지 쓸 수 있습니다(지금 %(n)d바이트, 한글 한 글자는 "
                "2바이트).",
                max=LMS_SUBJECT_MAX_BYTES,
                n=self.subject_bytes,
            )
        if self.bytes is not None and self.bytes > LMS_MAX_BYTES:
            return _(
                "문자는 %(max)s바이트(LMS)까지 보낼 수 있습니다(지금 %(n)s바이트, 한글 한 "
                "글자는 2바이트).",
                max=format(LMS_MAX_BYTES, ","),
                n=format(self.bytes, ","),
            )
        return None

    def describe(self) -> str:
        """One line in words: the type and size, or why it is refused."""
        if self.refused:
            return self.problem()
        limit = SMS_MAX_BYTES if self.type is SmsType.SMS else LMS_MAX_BYTES
        return _(
            "%(type)s, %(n)d/%(max)s바이트",
            type=self.type.value.upper(),
            n=self.bytes,
            max=format(limit, ","),
        )


def _chars(measure: Measure) -> str:
    in_text = [describe_unsendable(u) for u in measure.unsendable]
    in_subject = [
        _("제목의 %(what)s", what=describe_unsendable(u)) for u in measure.subject_unsendable
    ]
    return ", ".join(in_text + in_subject)


def describe_unsendable(item: Unsendable) -> str:
    """One refused character in words, with its stand-in when there is one."""
    words = _("%(n)d번째 글자 %(char)r(%(name)s)", n=item.position, char=item.char, name=item.name)
    if item.replacement is None:
        return words
    if item.replacement == "":
        return _("%(what)s: 지우세요", what=words)
    return _("%(what)s: %(to)r(으)로 바꾸세요", what=words, to=item.replacement)


def character_name(char: str) -> str:
    """The Unicode name, or the code point for characters that have none (controls, surrogates)."""
    return unicodedata.name(char, f"U+{ord(char):04X}")


def sendable(char: str) -> bool:
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def replacement_for(char: str) -> str | None:
    """An obvious stand-in CP949 carries: the table, else nothing for a pictograph, else the
    compatibility form, else no accent. sms_counter.js follows the same steps."""
    if char in REPLACEMENTS:
        return REPLACEMENTS[char]
    if any(first <= ord(char) <= last for first, last in REMOVED_RANGES):
        return ""
    for form in ("NFKC", "NFKD"):
        candidate = unicodedata.normalize(form, char)
        if form == "NFKD":  # é -> e: drop the combining accents
            candidate = "".join(c for c in candidate if not unicodedata.combining(c))
        if candidate and candidate != char and all(sendable(c) for c in candidate):
            return candidate
    return None


def unsendable_characters(text: str) -> tuple[Unsendable, ...]:
    """Every character of `text` that CP949 cannot carry, in order."""
    return tuple(
        Unsendable(i + 1, char, character_name(char), replacement_for(char))
        for i, char in enumerate(text)
        if not sendable(char)
    )


def byte_length(text: str) -> int | None:
    """CP949 bytes, as providers count; None when a character cannot be encoded."""
    try:
        return len(text.encode(ENCODING))
    except UnicodeEncodeError:
        return None


def measure(text: str, *, subject: str = "") -> Measure:
    """SMS up to 90 bytes without a subject, LMS up to 2,000 (subject up to 40), else refused."""
    size, subject_size = byte_length(text), byte_length(subject)
    unsendable = unsendable_characters(text) if size is None else ()
    subject_unsendable = unsendable_characters(subject) if subject_size is None else ()
    kind = _type(text, size, subject, subject_size)
    return Measure(text, size, kind, unsendable, subject, subject_size, subject_unsendable)


def message_type(text: str, *, subject: str = "") -> SmsType:
    """measure(...).type alone: what sending asks of every text of a wave."""
    return _type(text, byte_length(text), subject, byte_length(subject))


def _type(text: str, size: int | None, subject: str, subject_size: int | None) -> SmsType:
    if _over_limits(size, subject_size) or not text:
        return SmsType.REFUSED
    if size <= SMS_MAX_BYTES and not subject:
        return SmsType.SMS
    return SmsType.LMS


def _over_limits(size: int | None, subject_size: int | None) -> bool:
    if size is None or subject_size is None:
        return True
    return size > LMS_MAX_BYTES or subject_size > LMS_SUBJECT_MAX_BYTES


def _replace(text: str, unsendable: tuple[Unsendable, ...]) -> str | None:
    if any(u.replacement is None for u in unsendable):
        return None
    swaps = {u.position - 1: u.replacement for u in unsendable}
    return "".join(swaps.get(i, char) for i, char in enumerate(text))


@dataclass(frozen=True)
class Prices:
    """Won per message of each type."""

    sms: int
    lms: int

    @classmethod
    def from_config(cls, config: Mapping) -> "Prices":
        return cls(sms=config["SMS_PRICE_SMS"], lms=config["SMS_PRICE_LMS"])


@dataclass(frozen=True)
class AudienceMeasure:
    """How many recipients get an SMS, an LMS or nothing (refused), and what it costs in won."""

    sms: int
    lms: int
    refused: int
    cost: int
    first_refusal: Measure | None = None  # one refused recipient's text, to show why

    @property
    def recipients(self) -> int:
        return self.sms + self.lms + self.refused


_environment = SandboxedEnvironment(autoescape=False)


def measure_audience(
    *,
    template: str,
    values: Iterable[Mapping[str, str]],
    prices: Prices,
    subject: str = "",
    environment: Environment | None = None,
) -> AudienceMeasure:
    """Measure `template` filled with each recipient's values ({{ name }}): counts and cost.

    Pass the Jinja environment the messages are rendered with, so its filters and globals
    count as they will be sent. Recipients with the same values get the same text, so each
    distinct set is measured once.
    """
    environment = environment or _environment
    body, title = environment.from_string(template), environment.from_string(subject)
    tally = Counter()
    first_refusal = None
    for key, count in Counter(tuple(sorted(v.items())) for v in values).items():
        fields = dict(key)
        result = measure(body.render(fields), subject=title.render(fields))
        tally[result.type] += count
        if result.refused and first_refusal is None:
            first_refusal = result
    cost = tally[SmsType.SMS] * prices.sms + tally[SmsType.LMS] * prices.lms
    return AudienceMeasure(
        tally[SmsType.SMS], tally[SmsType.LMS], tally[SmsType.REFUSED], cost, first_refusal
    )
