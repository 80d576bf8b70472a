"""Writing checked rows into the registry in chunks: merge duplicates, grant consent, account
for every row.

Duplicates are merged by e-mail or phone, within the file and against the registry. An existing
subscriber only gains from an import (blank details filled, fields and channels granted); an
import never revokes consent or overwrites what the registry already says.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import any_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from pcrm.db import bulk_insert, bulk_insert_returning_ids, utcnow
from pcrm.extensions import db
from pcrm.subscribers.age import may_be_under_14
from pcrm.subscribers.imports.columns import TARGETS
from pcrm.subscribers.imports.models import ImportBatch, ImportRow, RowOutcome
from pcrm.subscribers.imports.rows import Checked, guardian_missing
from pcrm.subscribers.models import (
    AddressStatus,
    Channel,
    ConsentEvent,
    ConsentSource,
    InterestField,
    Kind,
    Subscriber,
    subscriber_interest,
)

SUBSCRIBER = Subscriber.__table__
DETAILS = ("name", "birth_year", "gender", "dong_id", "kind", "business_type_code")
LOADED = (*DETAILS, "id", "email", "phone", "email_status", "phone_status")
LOADED += ("email_opt_in", "sms_opt_in", "guardian_consent")
NEW_COLUMNS = (*DETAILS, "email", "email_status", "phone", "phone_status")
NEW_COLUMNS += ("email_opt_in", "sms_opt_in", "email_consented_at", "sms_consented_at")
NEW_COLUMNS += ("night_sms_opt_in", "guardian_consent", "created_at", "updated_at")
# column -> the import target whose label names it in the report
COLUMN_TARGET = {"dong_id": "dong", "business_type_code": "business_type"}


def _one_of(column, values: set[str]):
    """`column IN values`. On PostgreSQL as one array parameter (`= ANY`): a chunk's thousands
    of addresses as separate placeholders cost more to render and parse than to look up."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


@dataclass(eq=False)
class Target:
    """A subscriber this import writes to: new (id None until inserted) or already registered."""

    first_row: int | None  # the file row that created it; None if it was registered before
    values: dict
    id: int | None = None
    changes: dict = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)
    # (file row, field code or None, channel or None, the row records a guardian's consent)
    events: list[tuple[int, str | None, Channel | None, bool]] = field(default_factory=list)

    def label(self) -> str:
        if self.first_row is not None:
            return _("%(n)d행", n=self.first_row)
        return _("구독자 #%(id)s", id=self.id)


@dataclass
class Outcome:
    number: int
    outcome: RowOutcome
    reason: str
    target: Target | None = None


class Merger:
    """Carries what one import run has seen, so later rows and chunks merge into earlier ones."""

    def __init__(self, batch: ImportBatch):
        self.batch = batch
        self.by_email: dict[str, Target] = {}
        self.by_phone: dict[str, Target] = {}
        self.now = utcnow()
        self.field_names = dict(
            db.session.execute(select(InterestField.code, InterestField.name_ko)).all()
        )

    def write_chunk(self, rows: list[Checked]) -> list[Outcome]:
        """Import these rows and record their outcomes; the caller commits."""
        self._load_registered(rows)
        outcomes = [self._row(row) for row in rows]
        self._flush({id(o.target): o.target for o in outcomes if o.target}.values())
        bulk_insert(
            db.session.connection(), ImportRow.__table__, [self._result(o) for o in outcomes]
        )
        return outcomes

    # -- matching ----------------------------------------------------------------------

    @staticmethod
    def _keys(row: Checked) -> tuple[str | None, str | None]:
        values = row.values
        return (
            values.get("email") or values.get("invalid_email"),
            values.get("phone") or values.get("invalid_phone"),
        )

    def _load_registered(self, rows: list[Checked]) -> None:
        keys = [self._keys(row) for row in rows if not row.problems]
        emails = {e for e, _p in keys if e and e not in self.by_email}
        phones = {p for _e, p in keys if p and p not in self.by_phone}
        if not emails and not phones:
            return
        query = select(*(getattr(Subscriber, c) for c in LOADED)).where(
            or_(_one_of(Subscriber.email, emails), _one_of(Subscriber.phone, phones))
        )
        found = {
            row.id: Target(None, dict(row._mapping), id=row.id) for row in db.session.execute(query)
        }
        link = subscriber_interest.c
        interests = select(link.subscriber_id, link.field_code).where(link.subscriber_id.in_(found))
        for subscriber_id, code in db.session.execute(interests):
            found[subscriber_id].fields.add(code)
        for target in found.values():
            self._remember(target)

    def _remember(self, target: Target) -> None:
        if target.values.get("email"):
            self.by_email.setdefault(target.values["email"], target)
        if target.values.get("phone"):
            self.by_phone.setdefault(target.values["phone"], target)

    # -- one row -------------------------------------------------------------------------

    def _row(self, row: Checked) -> Outcome:
        if row.problems:
            return Outcome(row.number, RowOutcome.SKIPPED, "; ".join(row.problems))
        email, phone = self._keys(row)
        by_email = self.by_email.get(email) if email else None
        by_phone = self.by_phone.get(phone) if phone else None
        if by_email and by_phone and by_email is not by_phone:
            reason = _(
                "이메일은 %(a)s, 휴대전화는 %(b)s와 같습니다: 어느 쪽인지 확인이 필요합니다",
                a=by_email.label(),
                b=by_phone.label(),
            )
            return Outcome(row.number, RowOutcome.SKIPPED, reason)
        target = by_email or by_phone
        if target is None:
            return self._create(row)
        birth_year = row.values.get("birth_year") or target.values.get("birth_year")
        guardian = row.guardian_consent or target.values.get("guardian_consent")
        if may_be_under_14(birth_year) and not guardian:
            # The row names someone already known to be a child: it grants nothing either.
            reason = f"{guardian_missing(birth_year)} ({target.label()})"
            return Outcome(row.number, RowOutcome.SKIPPED, reason)
        return self._merge(row, target)

    def _create(self, row: Checked) -> Outcome:
        # No kind preset: the row's own (구분) fills it; the insert defaults to individual.
        target = Target(row.number, {"name": ""})
        target.values.update(email_opt_in=False, sms_opt_in=False)
        self._fill(target, row)
        self._grant(target, row)
        self._remember(target)
        return Outcome(row.number, RowOutcome.CREATED, "; ".join(row.warnings), target)

    def _merge(self, row: Checked, target: Target) -> Outcome:
        filled = self._fill(target, row)
        granted = self._grant(target, row)
        self._remember(target)
        if target.first_row is not None and target.id is None:
            target.changes.clear()  # not inserted yet: the merged values go in with the insert
        notes = list(row.warnings)
        if not filled and not granted:
            notes.insert(0, _("바뀐 내용 없음 (같은 사람: %(t)s)", t=target.label()))
            return Outcome(row.number, RowOutcome.SKIPPED, "; ".join(notes), target)
        notes.insert(
            0,
            _(
                "합침 (같은 사람: %(t)s): %(what)s",
                t=target.label(),
                what=", ".join(self._label(key) for key in filled + granted),
            ),
        )
        return Outcome(row.number, RowOutcome.UPDATED, "; ".join(notes), target)

    def _fill(self, target: Target, row: Checked) -> list[str]:
        """Fill what the target lacks from the row; returns the columns filled."""
        filled = []
        for column in DETAILS:
            value = row.values.get(column)
            if value not in (None, "") and target.values.get(column) in (None, ""):
                target.values[column] = target.changes[column] = value
                filled.append(column)
        for kind in ("email", "phone"):
            filled += self._fill_address(target, row, kind)
        if row.guardian_consent and not target.values.get("guardian_consent"):
            target.values["guardian_consent"] = target.changes["guardian_consent"] = True
            filled.append("guardian_consent")
        return filled

    def _fill_address(self, target: Target, row: Checked, kind: str) -> list[str]:
        valid, invalid = row.values.get(kind), row.values.get(f"invalid_{kind}")
        if target.values.get(kind) or not (valid or invalid):
            return []
        status = AddressStatus.VALID if valid else AddressStatus.INVALID
        target.values[kind] = target.changes[kind] = valid or invalid
        target.values[f"{kind}_status"] = target.changes[f"{kind}_status"] = status
        return [kind]

    def _wanted_channels(self, target: Target, row: Checked) -> set[Channel]:
        grant = self.batch.grant_channels
        wanted = set()
        for channel, opted, key in (
            (Channel.EMAIL, row.email_opt_in, "email"),
            (Channel.SMS, row.sms_opt_in, "phone"),
        ):
            if not (opted or (opted is None and grant)):
                continue
            label = TARGETS[f"{channel}_opt_in"][0]
            if not target.values.get(key):
                if opted:  # the row names the channel but gives nowhere to send it
                    row.warnings.append(_("주소가 없어 %(c)s를 기록하지 않음", c=label))
            elif target.values.get(f"{key}_status", AddressStatus.VALID) is AddressStatus.VALID:
                wanted.add(channel)
            elif opted:
                row.warnings.append(_("주소가 올바르지 않아 %(c)s를 기록하지 않음", c=label))
        return wanted

    def _grant(self, target: Target, row: Checked) -> list[str]:
        granted = []
        for code in sorted(row.fields - target.fields):
            target.fields.add(code)
            target.events.append((row.number, code, None, row.guardian_consent))
            granted.append(code)
        for channel in sorted(self._wanted_channels(target, row)):
            column = f"{channel}_opt_in"
            if target.values.get(column):
                continue
            target.values[column] = target.changes[column] = True
            target.values[f"{channel}_consented_at"] = self.now
            target.changes[f"{channel}_consented_at"] = self.now
            target.events.append((row.number, None, channel, row.guardian_consent))
            granted.append(column)
        return granted

    def _label(self, key: str) -> str:
        """A filled column, granted channel or field code, as the report names it."""
        if key in self.field_names:
            return self.field_names[key]
        return str(TARGETS[COLUMN_TARGET.get(key, key)][0])

    # -- writing -------------------------------------------------------------------------

    def _new_record(self, target: Target) -> dict:
        defaults = {"kind": Kind.INDIVIDUAL, "name": "", "created_at": self.now}
        defaults |= {"updated_at": self.now, "night_sms_opt_in": False, "guardian_consent": False}
        values = target.values
        return {column: values.get(column, defaults.get(column)) for column in NEW_COLUMNS}

    def _flush(self, targets) -> None:
        targets = list(targets)
        new = [t for t in targets if t.id is None]
        if new:
            records = [self._new_record(t) for t in new]
            ids = bulk_insert_returning_ids(db.session.connection(), SUBSCRIBER, records)
            for target, new_id in zip(new, ids, strict=True):
                target.id, target.changes = new_id, {}  # the insert carried them
        self._update([t for t in targets if t.changes])
        self._write_consent(targets)
        for target in targets:
            target.changes, target.events = {}, []

    def _update(self, targets: list[Target]) -> None:
        by_columns: dict[tuple, list[dict]] = {}
        for t in targets:
            by_columns.setdefault(tuple(sorted(t.changes)), []).append(
                {"target_id": t.id, **t.changes, "updated_at": self.now}
            )
        for columns, rows in by_columns.items():
            values = {c: bindparam(c) for c in (*columns, "updated_at")}
            query = update(SUBSCRIBER).where(SUBSCRIBER.c.id == bindparam("target_id"))
            db.session.execute(query.values(values), rows)

    def _write_consent(self, targets: list[Target]) -> None:
        interests, events = [], []
        import_word, row_word = _("가져오기"), _("행")
        guardian_word = "; " + _("법정대리인 동의 기록됨")
        prefix = f"{self.batch.source} ({import_word} #{self.batch.id}, "
        grant = {"granted": True, "source": ConsentSource.IMPORT, "notice_version": None}
        grant |= {"actor_user_id": None, "created_at": self.now}
        for target in targets:
            for number, code, channel, guardian in target.events:
                if code:
                    interests.append({"subscriber_id": target.id, "field_code": code})
                evidence = f"{prefix}{number}{row_word}{guardian_word if guardian else ''})"
                events.append({
                    "subscriber_id": target.id, "field_code": code, "channel": channel,
                    "evidence": evidence, **grant,
                })  # fmt: skip
        connection = db.session.connection()
        bulk_insert(connection, subscriber_interest, interests)
        bulk_insert(connection, ConsentEvent.__table__, events)

    def _result(self, outcome: Outcome) -> dict:
        return {
            "batch_id": self.batch.id,
            "row_number": outcome.number,
            "outcome": outcome.outcome,
            "reason": outcome.reason[:2000],
            "subscriber_id": outcome.target.id if outcome.target else None,
        }
