"""Who hears of a campaign's review by e-mail: the PR office when a request arrives; the
department (and whoever asked) when it is approved, sent back or refused, with the reason.
Each notice is written in its reader's language and owed in the workflow's transaction."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pcrm.auth.models import Role, StaffNotice, User
from pcrm.auth.staff_mail import enqueue_notices, owe_notice
from pcrm.campaigns.models import Campaign
from pcrm.extensions import db
from pcrm.i18n import localized
from pcrm.urls import public_url


def _decision_words(action: str, name: str) -> tuple:
    """Subject, headline and next step of a decision, lazily: written in the reader's language."""
    return {
        "approved": (
            _l("[PCRM] 승인됨: %(name)s", name=name),
            _l("캠페인 「%(name)s」이(가) 승인되어 발송이 예약되었습니다.", name=name),
            _l("발송이 시작되면 캠페인 화면에서 진행 상황과 결과를 볼 수 있습니다."),
        ),
        "changes_requested": (
            _l("[PCRM] 수정 요청: %(name)s", name=name),
            _l("공보담당관이 캠페인 「%(name)s」의 수정을 요청했습니다.", name=name),
            _l("캠페인을 고친 뒤 다시 검토를 요청해 주세요."),
        ),
        "rejected": (
            _l("[PCRM] 반려됨: %(name)s", name=name),
            _l("공보담당관이 캠페인 「%(name)s」을(를) 반려했습니다.", name=name),
            _l("반려된 캠페인은 발송되지 않습니다. 궁금한 점은 공보담당관에 문의해 주세요."),
        ),
    }[action]


def _active(query) -> list[User]:
    return list(db.session.scalars(query.where(User.active.is_(True)).order_by(User.id)))


def pr_office() -> list[User]:
    """Who reviews requests: the PR staff (the admins when there are none)."""
    reviewers = _active(select(User).where(User.role == Role.PR))
    return reviewers or _active(select(User).where(User.role == Role.ADMIN))


def department_staff(campaign: Campaign, requester: User | None) -> list[User]:
    """The campaign's department's staff and whoever asked for the review."""
    query = select(User).where(
        User.role == Role.DEPARTMENT, User.department_id == campaign.department_id
    )
    people = _active(query)
    if requester is not None and requester.active and requester not in people:
        people.append(requester)
    return people


def _link(campaign: Campaign) -> str:
    return public_url("campaigns.show", campaign_id=campaign.id)


def owe_request_notices(campaign: Campaign, *, requester: User, note: str) -> list[StaffNotice]:
    """Tell the PR office a request arrived; the caller commits, then calls send."""
    context = {
        "campaign": campaign,
        "requester": requester.name,
        "note": note,
        "link": _link(campaign),
    }
    notices = []
    for reviewer in pr_office():
        if reviewer is requester:
            continue
        subject = _l("[PCRM] 검토 요청: %(name)s", name=campaign.name)
        project, department = campaign.project, campaign.project.department
        notices.append(
            owe_notice(
                reviewer,
                "campaign_requested",
                subject,
                project=_Localized(project),
                department=_Localized(department),
                **context,
            )
        )
    return notices


def owe_decision_notices(
    campaign: Campaign, *, action: str, reason: str, requester: User | None, actor: User
) -> list[StaffNotice]:
    """Tell the department the PR office's decision, with the reason; the caller commits."""
    subject, headline, next_step = _decision_words(action, campaign.name)
    notices = []
    for person in department_staff(campaign, requester):
        if person is actor:
            continue
        notices.append(
            owe_notice(
                person,
                "campaign_decided",
                subject,
                campaign=campaign,
                headline=headline,
                next_step=next_step,
                reason=reason,
                approved=action == "approved",
                link=_link(campaign),
            )
        )
    return notices


class _Localized:
    """A reference row shown by name in the language being written (localized, at render)."""

    def __init__(self, row):
        self.row = row

    def __str__(self) -> str:
        return localized(self.row)


def send(notices: list[StaffNotice]) -> None:
    """Queue the e-mails once the transaction that owed them has committed."""
    enqueue_notices(notices)
