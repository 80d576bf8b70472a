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
transaction: a wave of 25,000 texts gets its 50,000 codes in one statement, drawn in bulk) and
resolved with one lookup of the primary key (`find`).
"""

import re
import secrets

from psycopg.errors import UniqueViolation
from sqlalchemy import and_, exists, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from pcrm.extensions import db
from pcrm.messaging.models import Message, ShortLink, ShortTarget
from pcrm.urls import public_url

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
CODE_LENGTH = 11
CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
# The alphabet four times over fills bytes 0..227: a random byte below 228 picks each character
# with the same odds, and bytes 228..255 are dropped (rejection sampling, done by bytes.translate).
UNIFORM_BYTES = len(ALPHABET) * (256 // len(ALPHABET))
TO_ALPHABET = bytes(ord(ALPHABET[b % len(ALPHABET)]) for b in range(UNIFORM_BYTES)).ljust(256)
DROPPED = bytes(range(UNIFORM_BYTES, 256))
# PostgreSQL takes a wave's codes by COPY, the fastest way in; a code already taken (a
# collision, see above) makes the COPY fail as a whole, and then this insert, which skips it,
# takes them instead.
PG_COPY = "COPY short_link (code, message_id, target) FROM STDIN"
PG_INSERT = text(
    "INSERT INTO short_link (code, message_id, target) SELECT code, message_id, target "
    "FROM unnest(CAST(:codes AS varchar[]), CAST(:ids AS integer[]), CAST(:targets AS varchar[]))"
    " AS new (code, message_id, target) ON CONFLICT DO NOTHING"
)


def new_codes(count: int) -> list[str]:
    """`count` random short codes: CODE_LENGTH characters of ALPHABET, every code equally
    likely, drawn from `secrets` in bulk."""
    wanted, characters = count * CODE_LENGTH, ""
    while len(characters) < wanted:
        # 12% of the bytes are dropped; asking for 20% more rarely needs a second draw.
        draw = secrets.token_bytes((wanted - len(characters)) * 6 // 5 + 16)
        characters += draw.translate(TO_ALPHABET, DROPPED).decode("ascii")
    return [characters[i : i + CODE_LENGTH] for i in range(0, wanted, CODE_LENGTH)]


def new_code() -> str:
    """One random short code."""
    return new_codes(1)[0]


def _missing(campaign_id: int, wave: int, target: ShortTarget) -> list[int]:
    linked = exists().where(and_(ShortLink.message_id == Message.id, ShortLink.target == target))
    query = select(Message.id).where(
        Message.campaign_id == campaign_id, Message.wave == wave, ~linked
    )
    return list(db.session.scalars(query))


def _insert(wanted: list[tuple[int, ShortTarget]]) -> int:
    """Insert a new code for each (message, target), skipping any code already taken; how
    many went in."""
    codes = new_codes(len(wanted))
    rows = [
        (code, message_id, target.value)
        for code, (message_id, target) in zip(codes, wanted, strict=True)
    ]
    if db.session.get_bind().dialect.name != "postgresql":
        statement = sqlite_insert(ShortLink.__table__).on_conflict_do_nothing()
        keys = ("code", "message_id", "target")
        values = [dict(zip(keys, row, strict=True)) for row in rows]
        return db.session.execute(statement, values).rowcount
    if _copy(rows):
        return len(rows)
    codes, ids, targets = (list(column) for column in zip(*rows, strict=True))
    return db.session.execute(PG_INSERT, {"codes": codes, "ids": ids, "targets": targets}).rowcount


def _copy(rows: list[tuple[str, int, str]]) -> bool:
    """COPY the rows in on the session's own connection, inside its transaction; False, and
    nothing written, when a code was taken."""
    driver = db.session.connection().connection.driver_connection
    with driver.cursor() as cursor:
        cursor.execute("SAVEPOINT short_link_copy")
        try:
            with cursor.copy(PG_COPY) as copy:
                for row in rows:
                    copy.write_row(row)
        except UniqueViolation:
            cursor.execute("ROLLBACK TO SAVEPOINT short_link_copy")
            return False
        cursor.execute("RELEASE SAVEPOINT short_link_copy")
    return True


def create_short_links(
    *,
    campaign_id: int,
    wave: int,
    targets: tuple[ShortTarget, ...],
    new_message_ids: list[int] | None = None,
) -> int:
    """Give each message of the campaign's wave a code for each target it lacks (does not
    commit: call it in the transaction that creates the messages); returns how many.
    `new_message_ids`, the messages just inserted (so lacking every code), spares a query."""
    if new_message_ids is None:
        wanted = [(i, t) for t in targets for i in _missing(campaign_id, wave, t)]
    else:
        wanted = [(i, t) for t in targets for i in new_message_ids]
    added = len(wanted)
    # A code drawn twice (vanishingly rare, see above) is skipped by the insert and drawn
    # again on the next pass.
    while wanted and _insert(wanted) < len(wanted):
        wanted = [(i, t) for t in targets for i in _missing(campaign_id, wave, t)]
    return added


def short_url(message: Message, target: ShortTarget) -> str:
    """The message's short link to `target`, e.g. "https://…/r/AbC23xyzKmn", for its SMS."""
    for link in message.short_links:
        if link.target is target:
            return public_url("tracking.short_link", code=link.code)
    raise LookupError(f"message {message.id} has no {target.value} short link")


def link_prefix() -> str:
    """The short links' common start, "https://…/r/": a code appended makes its link."""
    return public_url("tracking.short_link", code=ALPHABET[:CODE_LENGTH]).removesuffix(
        ALPHABET[:CODE_LENGTH]
    )


def find(code: str) -> ShortLink | None:
    """The short link with this code, its message loaded; None when unknown or malformed."""
    if not CODE.fullmatch(code):
        return None
    query = select(ShortLink).options(joinedload(ShortLink.message)).where(ShortLink.code == code)
    return db.session.scalar(query)
