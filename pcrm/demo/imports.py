"""A paper-form import in the demo's history: rows merged into the registry, and two children
refused for want of a guardian's consent (the import page and its report show both)."""

from datetime import date

from sqlalchemy import func, or_, select

from pcrm.auth.models import Role, User
from pcrm.extensions import db
from pcrm.subscribers.imports import service
from pcrm.subscribers.imports.jobs import run_import
from pcrm.subscribers.imports.models import ImportBatch
from pcrm.subscribers.models import Kind, Subscriber

HEADER = "성명,전자우편,생년월일,구분,수신채널,법정대리인 동의,관심분야"
SOURCE = "서면 신청서, 마장동 주민센터 (데모)"


def _adults(count: int) -> list[Subscriber]:
    """Registered people the paper forms name again: adults by the guardian rule, with e-mail."""
    adult = or_(Subscriber.birth_year.is_(None), Subscriber.birth_year < date.today().year - 14)
    query = select(Subscriber).where(adult, Subscriber.email.is_not(None))
    query = query.where(Subscriber.kind == Kind.INDIVIDUAL).order_by(Subscriber.id).limit(count)
    return list(db.session.scalars(query))


def _content(people: list[Subscriber]) -> bytes:
    child = date.today().year - 10
    lines = [HEADER]
    lines += [f"{p.name},{p.email},{p.birth_year or ''},개인,이메일,,여론조사" for p in people]
    lines += [
        f'정하은,haeun.demo@example.kr,{child},개인,"이메일,문자",,교육정보',
        f"정하준,hajun.demo@example.kr,{child + 1},개인,이메일,아니오,교육정보",
    ]
    return ("\n".join(lines) + "\n").encode()


def load_imports() -> None:
    """Run the demo import once, through the real import path."""
    if db.session.scalar(select(func.count()).select_from(ImportBatch)):
        return
    people = _adults(4)
    if not people:
        return
    staff = db.session.scalar(select(User).where(User.role == Role.PR).limit(1))
    batch = service.upload_import(
        filename="마장동_서면신청서.csv", content=_content(people), user=staff
    )
    service.start_import(
        batch, mapping=batch.mapping, source=SOURCE, grant_channels=False, enqueue=False
    )
    run_import(batch.id)
