"""The registry: who may be contacted, about what, by which channel, on what evidence."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, exists
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from pcrm import labels
from pcrm.db import TimestampMixin, str_enum, utcnow
from pcrm.extensions import db


class Kind(enum.StrEnum):
    INDIVIDUAL = "individual"
    BUSINESS = "business"


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class AddressStatus(enum.StrEnum):
    PENDING = "pending"  # e-mail given but not yet confirmed by the double opt-in link
    VALID = "valid"
    BOUNCED = "bounced"  # hard bounce or repeated soft bounces: needs correcting
    INVALID = "invalid"  # failed validation on entry


class ConsentSource(enum.StrEnum):
    WEB_FORM = "web_form"
    PAPER_FORM = "paper_form"
    IMPORT = "import"
    END_SESSIONS = "end_sessions"  # an admin signed a staff member out everywhere
    STAFF = "staff"
    PREFERENCES_LINK = "preferences_link"
    UNSUBSCRIBE_LINK = "unsubscribe_link"
    ONE_CLICK = "one_click"
    SMS_REPLY = "sms_reply"
    BOUNCE_POLICY = "bounce_policy"
    ERASURE = "erasure"


class InterestField(db.Model):
    """One of the district's fields of interest (culture, health, opinion surveys, ...)."""

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return self.name_ko


class BusinessType(db.Model):
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return self.name_ko


class Dong(db.Model):
    """An administrative neighbourhood of the district."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(50), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return self.name_ko


subscriber_interest = Table(
    "subscriber_interest",
    db.Model.metadata,
    Column("subscriber_id", ForeignKey("subscriber.id", ondelete="CASCADE"), primary_key=True),
    Column("field_code", ForeignKey("interest_field.code"), primary_key=True),
    Index("ix_subscriber_interest_field_subscriber", "field_code", "subscriber_id"),
)


class Subscriber(TimestampMixin, db.Model):
    # Keyset paging by name; on PostgreSQL, trigram indexes serve "contains" search.
    __table_args__ = (
        Index("ix_subscriber_name_id", "name", "id"),
        *(
            Index(
                f"ix_subscriber_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            ).ddl_if(dialect="postgresql")
            for column in ("name", "email", "phone")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[Kind] = mapped_column(str_enum(Kind), default=Kind.INDIVIDUAL, index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    email_status: Mapped[AddressStatus | None] = mapped_column(str_enum(AddressStatus))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)  # E.164
    phone_status: Mapped[AddressStatus | None] = mapped_column(str_enum(AddressStatus))
    birth_year: Mapped[int | None] = mapped_column(index=True)
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender))
    dong_id: Mapped[int | None] = mapped_column(ForeignKey("dong.id"), index=True)
    business_type_code: Mapped[str | None] = mapped_column(ForeignKey("business_type.code"))
    # Channel consents; the ledger (ConsentEvent) holds the evidence, these the current state.
    email_opt_in: Mapped[bool] = mapped_column(default=False)
    sms_opt_in: Mapped[bool] = mapped_column(default=False)
    night_sms_opt_in: Mapped[bool] = mapped_column(default=False)
    email_consented_at: Mapped[datetime | None]
    sms_consented_at: Mapped[datetime | None]
    guardian_consent: Mapped[bool] = mapped_column(default=False)
    # An under-14's legal guardian who consented (개인정보보호법 §22-2): the evidence kept.
    guardian_name: Mapped[str | None] = mapped_column(String(100))
    guardian_contact: Mapped[str | None] = mapped_column(String(254))
    erased_at: Mapped[datetime | None]

    interests: Mapped[list[InterestField]] = relationship(secondary=subscriber_interest)
    dong: Mapped[Dong | None] = relationship()
    business_type: Mapped[BusinessType | None] = relationship()
    consent_events: Mapped[list["ConsentEvent"]] = relationship(
        back_populates="subscriber", order_by="ConsentEvent.id"
    )

    def __str__(self) -> str:
        return self.name or f"#{self.id}"


class ConsentEvent(db.Model):
    """Append-only ledger of every grant and revocation, with its source and evidence."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), index=True)
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel))  # None: every channel
    field_code: Mapped[str | None] = mapped_column(ForeignKey("interest_field.code"))
    granted: Mapped[bool]
    source: Mapped[ConsentSource] = mapped_column(str_enum(ConsentSource))
    evidence: Mapped[str] = mapped_column(Text, default="")
    notice_version: Mapped[str | None] = mapped_column(String(20))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscriber: Mapped[Subscriber] = relationship(back_populates="consent_events")


# Whether the subscriber ever revoked a channel (the ledger says so): someone with no consent
# now either opted out or never agreed (an import without consent), and pages say which.
Subscriber.opted_out = column_property(
    exists().where(
        ConsentEvent.subscriber_id == Subscriber.id,
        ConsentEvent.granted.is_(False),
        ConsentEvent.channel.is_not(None),
    ),
    deferred=True,
)


class Segment(TimestampMixin, db.Model):
    """A saved audience: criteria over the registry, always counted live (see audience.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    def __str__(self) -> str:
        return self.name


class AccessAction(enum.StrEnum):
    VIEW = "view"  # a subscriber's page was opened
    EXPORT = "export"  # a list or an import report was downloaded
    EDIT = "edit"
    ERASE = "erase"
    IMPORT = "import"
    END_SESSIONS = "end_sessions"  # an admin signed a staff member out everywhere


ACCESS_ACTION_LABELS = labels.register({
    AccessAction.VIEW: _l("조회"),
    AccessAction.EXPORT: _l("내려받기"),
    AccessAction.EDIT: _l("수정"),
    AccessAction.ERASE: _l("삭제(파기)"),
    AccessAction.IMPORT: _l("파일 가져오기"),
    AccessAction.END_SESSIONS: _l("직원 로그인 세션 종료"),
})  # fmt: skip


class AccessLog(db.Model):
    """Who saw or took residents' personal data, when, and how many records (kept two years)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    actor: Mapped[str] = mapped_column(String(200))  # kept readable if the account goes away
    action: Mapped[AccessAction] = mapped_column(str_enum(AccessAction))
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscriber.id"), index=True)
    what: Mapped[str] = mapped_column(String(500), default="")
    record_count: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class NoticeKind(enum.StrEnum):
    CONFIRM_EMAIL = "confirm_email"  # the double opt-in link
    PREFERENCES_LINK = "preferences_link"  # a signed link to the preferences page


class SubscriberNotice(db.Model):
    """An e-mail the registry owes a resident; the job sends it once (sent_at)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind))
    notice_version: Mapped[str | None] = mapped_column(String(20))
    # The language the resident was using when the e-mail became owed: it is written in that.
    locale: Mapped[str] = mapped_column(String(10), server_default="ko")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # A notice that can never go (an address SMTP cannot carry, a 5xx) ends here, with a reason.
    failed_at: Mapped[datetime | None]
    failure: Mapped[str | None] = mapped_column(Text)

    subscriber: Mapped[Subscriber] = relationship()


class PhoneConfirmation(db.Model):
    """A code sent by SMS to the number given at sign-up; SMS consent counts once it comes back.

    Only a keyed hash of the code is kept; the page that asks for it is found by a random token
    (also kept hashed), so neither the link nor the table gives the code away.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))  # E.164, as the code was sent
    page_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    night_sms: Mapped[bool] = mapped_column(default=False)  # asked for with the SMS consent
    notice_version: Mapped[str | None] = mapped_column(String(20))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)  # wrong codes typed for the current code
    sends: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]

    subscriber: Mapped[Subscriber] = relationship()
