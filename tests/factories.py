"""Small create_* helpers that build rows the way the service would."""

from pcrm.auth import service as auth_service
from pcrm.auth.models import Department, Role, User
from pcrm.extensions import db
from pcrm.projects.models import Project

PASSWORD = "correct horse battery"


def create_department(name_ko: str = "교통행정과", name_en: str = "Transport") -> Department:
    return auth_service.create_department(name_ko=name_ko, name_en=name_en)


def create_user(
    email: str = "pr@example.kr",
    role: Role = Role.PR,
    department: Department | None = None,
    name: str = "홍길동",
    password: str = PASSWORD,
) -> User:
    if role is Role.DEPARTMENT and department is None:
        department = create_department()
    return auth_service.create_user(
        email=email, name=name, password=password, role=role, department=department
    )


def create_project(department: Department, name_ko: str = "성동 마을버스 운영") -> Project:
    project = Project(department=department, name_ko=name_ko, name_en="Village bus service")
    db.session.add(project)
    db.session.commit()
    return project


# What a production deployment must set, with stand-in values (nothing is connected to).
PRODUCTION_ENVIRON = {
    "PCRM_ENV": "production",
    "SECRET_KEY": "k",
    "DATABASE_URL": "postgresql://db/pcrm",
    "REDIS_URL": "redis://r",
    "BASE_URL": "https://pcrm.example.kr",
    "MAIL_SERVER": "mail",
    "MAIL_DEFAULT_SENDER": "a@example.kr",
}
