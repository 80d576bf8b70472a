"""Demo staff e-mail (once): the PR office's notices of the request waiting for review, and a
new officer invited but not yet signed in, whose invitation waits in the mail outbox."""

from sqlalchemy import func, select

from pcrm.auth import invitations
from pcrm.auth.models import Department, Role, StaffNotice, User
from pcrm.campaigns import notifications
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.extensions import db

INVITED = "newcomer@demo.pcrm.kr"


def load_staff_mail() -> None:
    """Owe the notices and send the invitation through the real use cases, unless done."""
    if db.session.scalar(select(func.count()).select_from(StaffNotice)):
        return
    _request_notices()
    _invited_officer()


def _request_notices() -> None:
    waiting = db.session.scalar(
        select(Campaign).where(Campaign.status == CampaignStatus.REQUESTED).limit(1)
    )
    if waiting is None or not waiting.transitions:
        return
    requester = waiting.transitions[-1].actor or waiting.project.department.users[0]
    owed = notifications.owe_request_notices(waiting, requester=requester, note="")
    db.session.commit()
    notifications.send(owed)


def _invited_officer() -> None:
    if db.session.scalar(select(User).where(User.email == INVITED)) is not None:
        return
    # A department's new officer (the PR office's own department is not one of them).
    department = db.session.scalar(
        select(Department).where(Department.name_ko == "교통행정과")
    ) or db.session.scalar(select(Department).order_by(Department.id.desc()).limit(1))
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))
    invitations.create_invited_user(
        actor=admin, email=INVITED, name="신규 직원", role=Role.DEPARTMENT, department=department
    )
