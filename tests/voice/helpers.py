"""Small create_* helpers for residents' voice."""

from pcrm.auth.models import Department, User
from pcrm.extensions import db
from pcrm.voice import intake
from pcrm.voice.models import VoiceChannel, VoiceItem, VoiceOfficer


def create_item(body: str = "마장동 골목 가로등이 꺼져 있어요.", **fields) -> VoiceItem:
    return intake.receive(
        intake.Intake(body=body, channel=fields.pop("channel", VoiceChannel.WEB), **fields)
    )


def name_officer(department: Department, user: User, *, head: bool = False) -> VoiceOfficer:
    officer = VoiceOfficer(department_id=department.id, user_id=user.id, head=head)
    db.session.add(officer)
    db.session.commit()
    return officer
