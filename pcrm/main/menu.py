"""The staff menu: one table of where each role may go."""

from dataclasses import dataclass

from flask import Flask, current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pcrm.auth.models import PR_OFFICE, Role

EVERYONE = (Role.ADMIN, Role.PR, Role.DEPARTMENT)


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    label: str
    roles: tuple[Role, ...]


MENU = (
    MenuItem("subscribers.index", _l("구독자"), PR_OFFICE),
    MenuItem("bounces.index", _l("반송 정리"), PR_OFFICE),
    MenuItem("subscribers.segments", _l("세그먼트"), EVERYONE),
    MenuItem("projects.index", _l("사업"), EVERYONE),
    MenuItem("surveys.index", _l("설문"), EVERYONE),
    MenuItem("campaigns.index", _l("캠페인"), EVERYONE),
    MenuItem("replies.index", _l("문자 답장"), PR_OFFICE),
    MenuItem("voice.index", _l("주민 의견"), EVERYONE),
    MenuItem("reports.index", _l("보고서"), EVERYONE),
    MenuItem("returned_mail.index", _l("반송 메일"), PR_OFFICE),
    MenuItem("admin.users", _l("관리"), (Role.ADMIN,)),
    MenuItem("outbox.mail", _l("메일 보관함"), PR_OFFICE),
    MenuItem("outbox.sms", _l("문자 보관함"), PR_OFFICE),
)


@dataclass(frozen=True)
class Link:
    url: str
    label: str


def staff_menu() -> list[Link]:
    """The menu entries the signed-in person may use; domains not built yet are left out."""
    if not current_user.is_authenticated:
        return []
    views = current_app.view_functions
    return [
        Link(url_for(item.endpoint), str(item.label))
        for item in MENU
        if item.endpoint in views and current_user.role in item.roles
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["staff_menu"] = staff_menu
