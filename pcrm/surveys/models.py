"""Surveys: sections of questions, and the residents' responses and answers.

A response to an anonymous survey keeps no link to a subscriber or a message: no foreign key,
no token, no demographics. The message records `responded_at` instead (messaging.service).
"""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pcrm.auth.models import User
from pcrm.db import TimestampMixin, str_enum, utcnow
from pcrm.extensions import db
from pcrm.projects.models import Project
from pcrm.subscribers.models import Gender, Kind


class QuestionKind(enum.StrEnum):
    SINGLE = "single_choice"
    MULTIPLE = "multiple_choice"
    RATING = "rating"  # low..high with labels at both ends
    SCALE_10 = "scale_0_10"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    DATE = "date"


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
SCALE_KINDS = (QuestionKind.RATING, QuestionKind.SCALE_10)
TEXT_KINDS = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)


class SurveyState(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # published, not yet open
    OPEN = "open"
    CLOSED = "closed"


class ResponseSource(enum.StrEnum):
    INVITATION = "invitation"  # a message's token link
    PUBLIC_LINK = "public_link"  # the survey's public link, posted on social media


class Survey(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[bool] = mapped_column(default=False)
    # Set when the public link is turned on: unguessable, so only those given it can answer.
    public_slug: Mapped[str | None] = mapped_column(String(32), unique=True)
    results_public: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # closed early by staff
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    project: Mapped[Project] = relationship()
    sections: Mapped[list["Section"]] = relationship(
        back_populates="survey", order_by="Section.position", cascade="all, delete-orphan"
    )

    @property
    def department_id(self) -> int:
        return self.project.department_id

    def state(self, now: datetime | None = None) -> SurveyState:
        now = now or utcnow()
        if self.published_at is None:
            return SurveyState.DRAFT
        if self.closed_at is not None or (self.closes_at is not None and self.closes_at <= now):
            return SurveyState.CLOSED
        if self.opens_at is not None and self.opens_at > now:
            return SurveyState.SCHEDULED
        return SurveyState.OPEN

    @property
    def questions(self) -> list["Question"]:
        """Every question in the order residents see them."""
        return [q for section in self.sections for q in section.questions]

    def __str__(self) -> str:
        return self.title


class Section(db.Model):
    """A page of the survey: residents answer one section at a time."""

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    survey: Mapped[Survey] = relationship(back_populates="sections")
    questions: Mapped[list["Question"]] = relationship(
        back_populates="section", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    text: Mapped[str] = mapped_column(Text)
    help_text: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=True)
    other_option: Mapped[bool] = mapped_column(default=False)  # single choice: "기타 (직접 입력)"
    max_choices: Mapped[int | None]  # multiple choice
    low: Mapped[int | None]  # scale ends; bounds of a number question
    high: Mapped[int | None]
    low_label: Mapped[str] = mapped_column(String(100), default="")
    high_label: Mapped[str] = mapped_column(String(100), default="")
    # Shown only when this earlier question's answer includes `condition_value`
    # (a choice's label, or a scale point as text).
    condition_question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"))
    condition_value: Mapped[str | None] = mapped_column(String(200))

    survey: Mapped[Survey] = relationship()
    section: Mapped[Section] = relationship(back_populates="questions")
    choices: Mapped[list["Choice"]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan"
    )
    condition_question: Mapped["Question | None"] = relationship(remote_side=[id])

    @property
    def scale_points(self) -> list[int]:
        return list(range(self.low, self.high + 1)) if self.kind in SCALE_KINDS else []


class Choice(db.Model):
    __table_args__ = (UniqueConstraint("question_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(200))

    question: Mapped[Question] = relationship(back_populates="choices")


class Response(db.Model):
    __table_args__ = (
        # A form is submitted once: its idempotency key is unique within the survey.
        UniqueConstraint("survey_id", "submission_key"),
        # One response per invited person (non-anonymous surveys) and per message.
        UniqueConstraint("survey_id", "subscriber_id"),
        UniqueConstraint("message_id"),
        Index("ix_response_survey_submitted", "survey_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"))
    source: Mapped[ResponseSource] = mapped_column(str_enum(ResponseSource))
    submission_key: Mapped[str] = mapped_column(String(40))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Only for non-anonymous surveys answered from an invitation:
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscriber.id"))
    # The respondent's profile when they answered, kept so results survive an erasure and a
    # birthday; None for anonymous surveys and the public link.
    age_band: Mapped[str | None] = mapped_column(String(4))
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender))
    dong_id: Mapped[int | None] = mapped_column(ForeignKey("dong.id"))
    kind: Mapped[Kind | None] = mapped_column(str_enum(Kind))

    answers: Mapped[list["Answer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class Answer(db.Model):
    """One value: a chosen choice (one row each), a scale point or number, a text, or a date."""

    __table_args__ = (Index("ix_answer_question_choice", "question_id", "choice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    choice_id: Mapped[int | None] = mapped_column(ForeignKey("choice.id"))
    number: Mapped[float | None]
    text: Mapped[str | None] = mapped_column(Text)  # free text, or "other, please specify"
    date_value: Mapped[date | None] = mapped_column(Date)

    response: Mapped[Response] = relationship(back_populates="answers")


class PopulationFigures(db.Model):
    """The district's residents by age band × gender, as PR staff copied them from the official
    statistics (주민등록인구통계); the newest set is what results are weighted to. A set is
    never changed, only followed by a newer one, so each and who entered it stay on record."""

    id: Mapped[int] = mapped_column(primary_key=True)
    people: Mapped[dict] = mapped_column(JSON)  # {"40s": {"female": 21034, "male": 20511}, ...}
    source: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    created_by: Mapped[User | None] = relationship()

    @property
    def total(self) -> int:
        return sum(n for by_gender in self.people.values() for n in by_gender.values())
