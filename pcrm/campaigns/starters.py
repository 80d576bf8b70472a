"""What the campaign editor offers a writer: texts to start from, and the placeholders with
what each becomes. The texts are Korean, as residents' e-mail is; their names and the
placeholders' meanings are in the page's language."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from pcrm.campaigns.models import CampaignKind

GREETING = "{{ name }}님, 안녕하세요. 성동구 {{ department }}입니다.\n\n"


@dataclass(frozen=True)
class Starter:
    key: str
    title: object  # a lazy string: read in the page's language
    summary: object
    kind: CampaignKind
    subject: str
    body: str
    sms_body: str


STARTERS = (
    Starter(
        key="survey",
        title=_l("설문 참여 요청"),
        summary=_l("사업에 대한 의견을 묻는 첫 안내: 걸리는 시간, 쓰임새, 설문 단추"),
        kind=CampaignKind.SURVEY,
        subject="{{ name }}님, 「{{ project }}」에 대한 의견을 들려주세요",
        body=GREETING + "구에서 「{{ project }}」을(를) 더 낫게 만들고자 주민 여러분의 의견을 "
        "듣습니다.\n설문은 3분 정도 걸리며, 답하신 내용은 통계로만 쓰고 다른 목적에 쓰지 "
        "않습니다.\n\n{{ survey_link }}\n\n바쁘신 가운데 시간을 내 주셔서 고맙습니다.",
        sms_body="[성동구] {{ project }} 설문(3분)에 참여해 주세요: {{ survey_link }}",
    ),
    Starter(
        key="information",
        title=_l("정보 안내"),
        summary=_l("행사·제도·일정을 알리는 메일: 무엇, 언제, 어디서, 문의"),
        kind=CampaignKind.INFORMATION,
        subject="[성동구] 「{{ project }}」 안내",
        body=GREETING + "「{{ project }}」에 관해 알려 드립니다.\n\n"
        "■ 내용: (무엇을 알리는지 적어 주세요)\n■ 일시: (날짜와 시간)\n■ 장소: (장소)\n"
        "■ 문의: {{ department }}\n\n자세한 내용은 성동구청 누리집 https://www.sd.go.kr 에서 "
        "보실 수 있습니다.",
        sms_body="[성동구] {{ project }} 안내: (내용을 짧게 적어 주세요)",
    ),
    Starter(
        key="reminder",
        title=_l("설문 다시 알림"),
        summary=_l("아직 답하지 않은 분께 마감 전에 한 번 더: 짧고 정중하게"),
        kind=CampaignKind.SURVEY,
        subject="[다시 알림] 「{{ project }}」 설문이 곧 마감됩니다",
        body=GREETING + "며칠 전 「{{ project }}」 설문을 보내 드렸습니다. 아직 답하지 "
        "않으셨다면 잠시 시간을 내 주세요. 3분이면 됩니다.\n\n{{ survey_link }}\n\n"
        "이미 답하셨다면 이 메일은 넘기셔도 됩니다. 고맙습니다.",
        sms_body="[성동구] {{ project }} 설문이 곧 마감됩니다(3분): {{ survey_link }}",
    ),
)


def starter(key: str | None) -> Starter | None:
    return next((s for s in STARTERS if s.key == key), None)


# What each placeholder becomes, in the order a writer reaches for them.
PLACEHOLDER_MEANINGS = (
    ("name", _l("받는 분 이름 (없으면 「구독자」)")),
    ("survey_link", _l("설문 주소: 메일에서는 「설문 참여하기」 단추 (설문 참여 요청만)")),
    ("project", _l("사업 이름")),
    ("department", _l("부서 이름")),
    ("sender", _l("보내는 기관 이름")),
    ("field", _l("수신 동의 분야 이름")),
    ("preferences_link", _l("받는 분의 수신 설정 주소")),
    ("unsubscribe_link", _l("수신거부 주소 (메일 끝에는 자동으로 붙습니다)")),
)
