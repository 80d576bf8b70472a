"""The words people read for the values of the enums kept in the database.

Each domain names its values once, beside the enum (`STATUS_LABELS = labels.register({...})`);
pages show them with `{{ value|label }}` and exports with `label(value)`, so no page shows a raw
code like `bounced_hard`.
"""

import enum
from collections.abc import Mapping
from typing import TypeVar

Words = TypeVar("Words", bound=Mapping)
_WORDS: dict[tuple[type, str], object] = {}


def register(words: Words) -> Words:
    """Make these labels known to `label`; returns them unchanged."""
    for value, word in words.items():
        # Keyed by type too: two StrEnums may share a value ("queued") with different words.
        _WORDS[(type(value), value)] = word
    return words


def label(value: enum.Enum | None) -> str:
    if value is None:
        return ""
    return str(_WORDS.get((type(value), value), value.value))
