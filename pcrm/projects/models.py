"""A department's project: what surveys and campaigns are about."""

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pcrm.auth.models import Department
from pcrm.db import TimestampMixin
from pcrm.extensions import db


class Project(TimestampMixin, db.Model):
    __table_args__ = (UniqueConstraint("department_id", "name_ko"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(default=False)

    department: Mapped[Department] = relationship()

    def __str__(self) -> str:
        return self.name_ko
