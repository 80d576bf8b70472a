"""Demo: residents' voice in every state, across departments and channels: each department's
demo staff member named its head officer (소통담당), items received over the last weeks, some
answered at once, some with a department, awaiting approval, done, late, merged."""

from datetime import timedelta

from pcrm.auth.models import Department, Role, User
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.subscribers.models import Dong
from pcrm.voice import casebook, handling, intake, privacy
from pcrm.voice.deadlines import due_at
from pcrm.voice.models import Outcome, VoiceChannel, VoiceItem, VoiceOfficer, VoiceStatus

# (days ago, channel, text, dong, department index or None, how far it went, outcome)
ITEMS = (
    (
        1,
        VoiceChannel.WEB,
        "왕십리역 앞 횡단보도 신호가 너무 짧아요. 어르신들이 다 건너지 못합니다.",
        "왕십리도선동",
        None,
        "received",
        None,
    ),
    (
        2,
        VoiceChannel.KAKAO,
        "성수동 카페거리 주말 불법주차 단속 부탁드립니다.",
        "성수1가제1동",
        0,
        "in_progress",
        None,
    ),
    (
        12,
        VoiceChannel.PHONE,
        "마장동 골목 가로등이 일주일째 꺼져 있습니다.",
        "마장동",
        1,
        "in_progress",
        None,
    ),
    (
        5,
        VoiceChannel.FACEBOOK,
        "서울숲 근처 공중화장실 개방 시간을 늘려 주세요.",
        "성수1가제2동",
        2,
        "approval",
        Outcome.LONG_TERM,
    ),
    (
        20,
        VoiceChannel.WEB,
        "마을버스 배차 간격이 출근 시간에 20분이 넘습니다.",
        "금호1가동",
        0,
        "done",
        Outcome.RESOLVED,
    ),
    (
        15,
        VoiceChannel.BAND,
        "동 주민센터 프로그램 신청을 온라인으로도 받아 주세요.",
        "행당제1동",
        3,
        "done",
        Outcome.REFUSED,
    ),
    (
        9,
        VoiceChannel.VISIT,
        "구청 민원실 주차장 이용 시간을 알고 싶습니다.",
        None,
        None,
        "answered",
        Outcome.INFORMATION,
    ),
    (
        3,
        VoiceChannel.X,
        "왕십리역 앞 횡단보도 신호 시간 늘려 주세요",
        "왕십리도선동",
        None,
        "merged",
        Outcome.MERGED,
    ),
    (
        30,
        VoiceChannel.CAFE,
        "응봉동 산책로 벤치가 부서져 있어요.",
        "응봉동",
        1,
        "done",
        Outcome.RESOLVED,
    ),
)
ANSWERS = {
    Outcome.RESOLVED: "현장을 확인하고 조치했습니다. 알려 주셔서 고맙습니다.",
    Outcome.REFUSED: "현재 시스템으로는 어렵습니다. 대신 전화 신청을 받고 있습니다.",
    Outcome.LONG_TERM: "내년 예산에 반영해 단계적으로 추진하겠습니다.",
    Outcome.INFORMATION: "민원실 주차장은 평일 9시부터 18시까지 이용할 수 있습니다.",
}
REASON = "온라인 신청 시스템은 서울시 공동 시스템 개편 때 함께 도입할 예정입니다."


def _name_officers() -> list[User]:
    departments = db.session.scalars(db.select(Department).order_by(Department.id)).all()
    officers = []
    for department in departments:
        staff = next((u for u in department.users if u.role is Role.DEPARTMENT), None)
        if staff is not None:
            db.session.add(VoiceOfficer(department_id=department.id, user_id=staff.id, head=True))
            officers.append(staff)
    db.session.commit()
    return officers


def _backdate(item: VoiceItem, days: int) -> None:
    item.created_at = utcnow() - timedelta(days=days, hours=3)
    item.due_at = due_at(item.created_at, item.channel)
    for entry in item.trail:
        entry.created_at = item.created_at


def _handle(item, pr, officer, step: str, outcome, first) -> None:
    if step == "answered":
        return handling.answer_directly(item, user=pr, answer=ANSWERS[outcome])
    if step == "merged":
        return handling.merge(item, user=pr, into_id=first.id)
    if step == "received":
        return None
    handling.assign(item, user=pr, department_id=officer.department_id, officer_id=officer.id)
    if step in ("approval", "done"):
        reason = REASON if outcome is Outcome.REFUSED else ""
        handling.submit_answer(
            item, user=officer, outcome=outcome, answer=ANSWERS[outcome], reason=reason
        )
    if step == "done":
        handling.approve(item, user=officer)
    return None


def _publish_case(pr: User) -> None:
    """One good case in the public case book, rewritten as a reviewer would."""
    query = db.select(VoiceItem).where(VoiceItem.body.like("마을버스 배차%"))
    bus = db.session.scalar(query.where(VoiceItem.status == VoiceStatus.DONE))
    if bus is not None and pr is not None:
        text = (
            "출근 시간 마을버스 배차 간격이 20분이 넘는다는 의견을 받고, 담당 부서가 운수회사와 "
            "협의해 오전 7~9시 배차를 12분으로 줄였습니다."
        )
        casebook.publish(
            bus, user=pr, title="출근길 마을버스 배차 간격 단축", text=text, reviewed=True
        )


def load_voice() -> int:
    """Load the demo's voice items once; how many."""
    if db.session.scalar(db.select(VoiceOfficer.id).limit(1)):
        return 0
    officers = _name_officers()
    pr = db.session.scalar(db.select(User).where(User.role == Role.PR).limit(1))
    dongs = {d.name_ko: d.id for d in db.session.scalars(db.select(Dong))}
    first = None
    for days, channel, text, dong, index, step, outcome in ITEMS:
        item = intake.receive(intake.Intake(body=text, channel=channel, dong_id=dongs.get(dong)))
        _backdate(item, days)
        first = first or item
        officer = officers[index % len(officers)] if index is not None and officers else None
        if officer is None and step not in ("received", "answered", "merged"):
            continue
        _handle(item, pr, officer, step, outcome, first)
        if item.answered_at is not None:
            item.answered_at = item.created_at + timedelta(days=min(days, 9) - 1, hours=5)
    handling.add_comment(first, user=pr, body="교통행정과와 신호 주기 협의 중", staff_only=True)
    _publish_case(pr)
    _api_and_withdrawn()
    db.session.commit()
    return len(ITEMS) + 2


def _api_and_withdrawn() -> None:
    """An item a channel bot handed in through Open311 (its client named), and one the
    resident withdrew (the report's 주민 철회 column)."""
    bot = intake.Intake(
        body="놀이터 그네 줄이 끊어져 있어요.", channel=VoiceChannel.API,
        field_code=None, api_client="kakao-channel-bot",
    )  # fmt: skip
    _backdate(intake.receive(bot), 2)
    taken_back = intake.receive(
        intake.Intake(body="주차 단속 문의는 해결되어 철회합니다.", channel=VoiceChannel.WEB)
    )
    _backdate(taken_back, 4)
    privacy.withdraw(taken_back)
