"""Short links for SMS: /r/<code> on the service's own domain, where every byte of a text counts.

A message's token (144 bits, 24 characters) would take a quarter of a 90-byte SMS, so an SMS
links to its survey and its opt-out page through a short code instead, one per (message, target):

- 11 characters from an alphabet of 57 that a person cannot misread (no 0/O, 1/l/I), drawn
  uniformly with `secrets`: 57**11 ≈ 2**64 codes.
- Guessing is impractical: /r/ answers at most SHORT_LINK_RATE_LIMIT unknown codes per address
  (default 100 a day). Even with 10 million live codes (five years of the office's two million
  messages, two links each), one guess hits with odds of 5 in 10**13, so an address guessing
  all year finds a link with odds under 2 in 10**8.
- A code opens only what the message's own token opens: its survey (once) or its opt-out page.

Codes are created with the messages that need them (`create_short_links`, in the same
transaction) and resolved with one lookup of the primary key (`find`).
"""

import re
import secrets

from sqlalchemy import and_, exists, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from pcrm.extensions import db
from pcrm.messaging.models import Message, ShortLink, ShortTarget
from pcrm.urls import public_url

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
CODE_LENGTH = 11
CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
# PostgreSQL takes a launch's codes as two arrays in one statement (executemany takes seconds).
PG_INSERT = text(
    "INSERT INTO short_link (code, message_id, target) SELECT code, message_id, :target "
    "FROM unnest(CAST(:codes AS varchar[]), CAST(:ids AS integer[])) AS new (code, message_id) "
    "ON CONFLICT DO NOTHING"
)


def new_code() -> str:
    """A random short code: CODE_LENGTH characters of ALPHABET, every code equally likely."""
    number, characters = secrets.randbelow(len(ALPHABET) ** CODE_LENGTH), []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        characters.append(ALPHABET[digit])
    return "".join(characters)


def _missing(campaign_id: int, wave: int, target: ShortTarget) -> list[int]:
    linked = exists().where(and_(ShortLink.message_id == Message.id, ShortLink.target == target))
    query = select(Message.id).where(
        Message.campaign_id == campaign_id, Message.wave == wave, ~linked
    )
    return list(db.session.scalars(query))


def _insert(ids: list[int], target: ShortTarget) -> int:
    """Insert a new code for each message, skipping any code already taken; how many went in."""
    codes = [new_code() for _ in ids]
    if db.session.get_bind().dialect.name == "postgresql":
        values = {"codes": codes, "ids": ids, "target": target.value}
        return db.session.execute(PG_INSERT, values).rowcount
    rows = [{"code": c, "message_id": i, "target": target} for c, i in zip(codes, ids, strict=True)]
    statement = sqlite_insert(ShortLink.__table__).on_conflict_do_nothing()
    return db.session.execute(statement, rows).rowcount


def create_short_links(*, campaign_id: int, wave: int, targets: tuple[ShortTarget, ...]) -> int:
    """Give each message of the campaign's wave a code for each target it lacks (does not
    commit: call it in the transaction that creates the messages); returns how many."""
    added = 0
    for target in targets:
        ids = _missing(campaign_id, wave, target)
        added += len(ids)
        # A code drawn twice (vanishingly rare, see above) is skipped by the insert and drawn
        # again on the next pass.
        while ids and _insert(ids, target) < len(ids):
            ids = _missing(campaign_id, wave, target)
    return added


def short_url(message: Message, target: ShortTarget) -> str:
    """The message's short link to `target`, e.g. "https://…/r/AbC23xyzKmn", for its SMS."""
    for link in message.short_links:
        if link.target is target:
            return public_url("tracking.short_link", code=link.code)
    raise LookupError(f"message {message.id} has no {target.value} short link")


def find(code: str) -> ShortLink | None:
    """The short link with this code, its message loaded; None when unknown or malformed."""
    if not CODE.fullmatch(code):
        return None
    query = select(ShortLink).options(joinedload(ShortLink.message)).where(ShortLink.code == code)
    return db.session.scalar(query)
