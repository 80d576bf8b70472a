"""Load the demo office: departments, projects, staff and synthetic subscribers (once)."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from itertools import islice

from flask import current_app
from sqlalchemy import func
from werkzeug.security import generate_password_hash

from pcrm.auth.models import Department, Role, User
from pcrm.db import (
    bulk_insert,
    bulk_insert_returning_ids,
    foreign_keys_checked_after,
    utcnow,
)
from pcrm.demo.bounces import load_bounces
from pcrm.demo.campaigns import NEWSLETTER_PROJECT, load_campaigns
from pcrm.demo.imports import load_imports
from pcrm.demo.people import synthetic_subscribers
from pcrm.demo.reports import load_report_snapshots
from pcrm.demo.returned_mail import load_returned_mail
from pcrm.demo.segments import load_segments
from pcrm.demo.signups import load_pending_signup
from pcrm.demo.staff_mail import load_staff_mail
from pcrm.demo.surveys import load_surveys
from pcrm.demo.voice import load_voice
from pcrm.extensions import db
from pcrm.projects.models import Project
from pcrm.reference import reference
from pcrm.subscribers.models import ConsentEvent, Dong, Subscriber, subscriber_interest
from pcrm.surveys.models import Survey

DEMO_PASSWORD = "pcrm-demo-2015"  # noqa: S105  (printed for the demo, never production)
DEMO_DOMAIN = "demo.pcrm.kr"
DEMO_NOTICE_VERSION = "2015-03"
PR_OFFICE = reference()["pr_office"]
CHUNK = 5000


@dataclass
class DemoSummary:
    departments: int
    projects: int
    staff: int
    subscribers: int

    def describe(self) -> str:
        return (
            f"Demo data: {self.departments} departments, {self.projects} projects, "
            f"{self.staff} staff accounts, {self.subscribers:,} subscribers."
        )


# What each project's surveys ask about (reference.json gives it in English), and when the
# newsletter goes out, in the words staff read.
SURVEY_TOPICS = {
    "구민주도형 응봉산 개나리 축제": "축제 일정, 프로그램 만족도",
    "생활 폐기물 감량 정책": "생활 폐기물을 줄이는 방법",
    "성동 마을버스 운영": "마을버스 만족도와 개선할 점",
    "공동주택 활성화 정책": "공동주택 활성화의 걸림돌과 성공 조건",
    "생활안전체험교육장 운영": "교육장 인지도와 만족도",
    "동 마을복지센터 운영": "운영상 문제점과 개선 방안",
}
NEWSLETTER_SCHEDULE = "매월 둘째·넷째 목요일 발행"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z]+", "-", text.lower()).strip("-")


def demo_accounts() -> list[tuple[str, str]]:
    """(who, e-mail) of every demo sign-in."""
    accounts = [("admin", f"admin@{DEMO_DOMAIN}"), (f"pr ({PR_OFFICE['ko']})", f"pr@{DEMO_DOMAIN}")]
    for entry in reference()["department_projects_2015"]:
        name = entry["department"]
        accounts.append((f"department ({name['ko']})", f"{_slug(name['en'])}@{DEMO_DOMAIN}"))
    return accounts


@cache
def _demo_password_hash(method: str) -> str:
    """Hashed once: every demo account shares the password, and hashing is slow on purpose."""
    return generate_password_hash(DEMO_PASSWORD, method=method)


def _staff(email: str, name: str, role: Role, department: Department | None = None) -> User:
    return User(
        email=email,
        name=name,
        role=role,
        department=department,
        password_hash=_demo_password_hash(current_app.config["PASSWORD_HASH_METHOD"]),
    )


def _load_office() -> None:
    pr_office = Department(name_ko=PR_OFFICE["ko"], name_en=PR_OFFICE["en"])
    db.session.add_all([pr_office, _staff(f"admin@{DEMO_DOMAIN}", "관리자", Role.ADMIN)])
    db.session.add(_staff(f"pr@{DEMO_DOMAIN}", "공보 담당", Role.PR, pr_office))
    # The PR office runs the district newsletter (2nd and 4th Thursday): its own project.
    newsletter = {"name_ko": NEWSLETTER_PROJECT["ko"], "name_en": NEWSLETTER_PROJECT["en"]}
    db.session.add(Project(department=pr_office, description=NEWSLETTER_SCHEDULE, **newsletter))
    for entry in reference()["department_projects_2015"]:
        name, project = entry["department"], entry["project"]
        department = Department(name_ko=name["ko"], name_en=name["en"])
        email = f"{_slug(name['en'])}@{DEMO_DOMAIN}"
        db.session.add(_staff(email, f"{name['ko']} 담당", Role.DEPARTMENT, department))
        db.session.add(
            Project(
                department=department,
                name_ko=project["ko"],
                name_en=project["en"],
                description=SURVEY_TOPICS.get(project["ko"], ""),
            )
        )
    db.session.commit()


def _consent_rows(subscriber_id: int, row: dict, when) -> list[dict]:
    base = {"subscriber_id": subscriber_id, "granted": True, "source": "paper_form"}
    base |= {"notice_version": DEMO_NOTICE_VERSION, "created_at": when}
    base["evidence"] = "시연용 데이터: 동 주민센터 서면 신청서"
    base["actor_user_id"] = None
    rows = [base | {"channel": None, "field_code": code} for code in row["fields"]]
    if row.get("email"):
        rows.append(base | {"channel": "email", "field_code": None})
    if row.get("phone"):
        rows.append(base | {"channel": "sms", "field_code": None})
    return rows


def _load_subscribers(count: int, seed: int) -> None:
    # Rows go in as large uniform batches (PostgreSQL: COPY). ORM bulk inserts leave out None
    # values, so rows with None in different columns became thousands of tiny statements.
    dong_ids = list(db.session.scalars(db.select(Dong.id).order_by(Dong.position)))
    rows = synthetic_subscribers(count, seed, date.today())
    consented = utcnow() - timedelta(days=400)
    connection = db.session.connection()
    tables = (Subscriber.__table__, subscriber_interest, ConsentEvent.__table__)
    with foreign_keys_checked_after(connection, *tables):
        while chunk := list(islice(rows, CHUNK)):
            _load_chunk(connection, chunk, dong_ids, consented)
    db.session.commit()


def _load_chunk(connection, chunk: list[dict], dong_ids: list[int], consented: datetime) -> None:
    records = [_subscriber_record(row, dong_ids, consented) for row in chunk]
    ids = bulk_insert_returning_ids(connection, Subscriber.__table__, records)
    pairs = list(zip(ids, chunk, strict=True))
    interests = [{"subscriber_id": i, "field_code": f} for i, row in pairs for f in row["fields"]]
    bulk_insert(connection, subscriber_interest, interests)
    consents = [c for i, row in pairs for c in _consent_rows(i, row, consented)]
    bulk_insert(connection, ConsentEvent.__table__, consents)


def _subscriber_record(row: dict, dong_ids: list[int], consented: datetime) -> dict:
    """Every column's value: COPY applies no column defaults."""
    email, phone = row.get("email"), row.get("phone")
    return {
        "kind": row["kind"],
        "name": row["name"],
        "email": email,
        "email_status": row.get("email_status"),
        "phone": phone,
        "phone_status": "valid" if phone else None,
        "birth_year": row["birth_year"],
        "gender": row["gender"],
        "dong_id": dong_ids[row["dong_index"]],
        "business_type_code": row["business_type_code"],
        "email_opt_in": bool(email),
        "sms_opt_in": bool(phone),
        "night_sms_opt_in": row["night_sms_opt_in"],
        "email_consented_at": consented if email else None,
        "sms_consented_at": consented if phone else None,
        "guardian_consent": False,
        "erased_at": None,
        "created_at": consented,
        "updated_at": consented,
    }


def _count(model) -> int:
    return db.session.scalar(db.select(func.count()).select_from(model))


def load_demo(*, subscribers: int = 3000, seed: int = 2015) -> DemoSummary:
    """Fill an empty database with the demo office; a database already in use is left alone."""
    if _count(Department) == 0:
        _load_office()
    if _count(Subscriber) == 0 and subscribers > 0:
        _load_subscribers(subscribers - 1, seed)
        load_pending_signup()  # the last one signed up on the web and has a code to type
    load_imports()
    load_segments()
    if _count(Survey) == 0:
        load_surveys(seed)
    load_campaigns(seed)
    load_returned_mail()  # after the campaigns: a resident replies to one of their messages
    load_bounces()
    load_voice()
    load_staff_mail()  # after the campaigns: the PR office hears of the request waiting
    load_report_snapshots()  # last: the report pages read what everything above left
    return DemoSummary(
        departments=_count(Department),
        projects=_count(Project),
        staff=_count(User),
        subscribers=_count(Subscriber),
    )
