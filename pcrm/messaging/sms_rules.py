"""The SMS byte rule as data, for the editor's script (static/sms_counter.js).

The ranges of characters CP949 carries are read from Python's codec itself, and the stand-ins
are sms_text's own table, so the count as you type and the count on submit cannot drift apart.
"""

from functools import cache

from pcrm.messaging.sms_text import (
    ENCODING,
    LMS_MAX_BYTES,
    LMS_SUBJECT_MAX_BYTES,
    REMOVED_RANGES,
    REPLACEMENTS,
    SMS_MAX_BYTES,
    character_name,
)

ASCII_END = 0x7F  # one byte each; every other character CP949 carries takes two


def _width(code: int) -> int | None:
    if 0xD800 <= code < 0xE000:  # surrogates: never a character on their own
        return None
    try:
        return len(chr(code).encode(ENCODING))
    except UnicodeEncodeError:
        return None


@cache
def cp949_ranges() -> tuple[tuple[int, int], ...]:
    """The code points CP949 carries, as (first, last) ranges in order."""
    ranges: list[list[int]] = []
    for code in range(0x10000):  # CP949 has nothing outside the basic plane
        width = _width(code)
        if width is None:
            continue
        if width != (1 if code <= ASCII_END else 2):
            raise AssertionError(f"U+{code:04X} is {width} bytes in {ENCODING}")
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return tuple((first, last) for first, last in ranges)


@cache
def editor_rules() -> dict:
    """What the editor's script needs to count and name characters as the server does."""
    return {
        "ranges": [bound for pair in cp949_ranges() for bound in pair],
        "ascii_end": ASCII_END,
        "replacements": REPLACEMENTS,
        "names": {char: character_name(char) for char in REPLACEMENTS},
        "removed_ranges": [list(pair) for pair in REMOVED_RANGES],
        "sms_max": SMS_MAX_BYTES,
        "lms_max": LMS_MAX_BYTES,
        "subject_max": LMS_SUBJECT_MAX_BYTES,
    }
