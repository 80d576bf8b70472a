"""The demo shows residents' voice in every state, across departments and channels."""

from pcrm.auth.models import Role
from pcrm.demo import load_demo
from pcrm.extensions import db
from pcrm.voice.models import Outcome, VoiceChannel, VoiceItem, VoiceStatus


def test_the_demo_has_items_in_every_state_department_and_channel(app, client, sign_in):
    load_demo(subscribers=200, seed=7)
    load_demo(subscribers=200, seed=7)  # a second run adds nothing
    items = db.session.scalars(db.select(VoiceItem)).all()
    assert {item.status for item in items} == set(VoiceStatus)
    assert len({item.department_id for item in items if item.department_id}) >= 3
    channels = {item.channel for item in items}
    assert {VoiceChannel.WEB, VoiceChannel.PHONE, VoiceChannel.EMAIL_REPLY} <= channels
    assert len(items) == len({item.origin or item.id for item in items})
    sign_in(Role.PR, email="reviewer@example.kr")
    page = client.get("/inbox").get_data(as_text=True)
    assert "기한 초과" in page and "결재중" in page and "이메일 답장" in page
    assert "출근길 마을버스 배차 간격 단축" in client.get("/cases").get_data(as_text=True)
    assert "연동 앱 (kakao-channel-bot)" in page
    assert "부서별 소통담당" in page
    assert {item.outcome for item in items} >= {Outcome.WITHDRAWN}
