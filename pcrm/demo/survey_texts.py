"""The demo surveys' texts: realistic Korean questions for the reference projects.

SURVEYS: (project name, title, introduction, anonymous, [(section title, [question])]); a
question is QuestionSpec's fields plus "if": (index of an earlier question, answer) and
"lean": how strongly older respondents pick later options (negative: earlier ones).
"""

from pcrm.surveys.models import QuestionKind

S, M, R, T10 = (
    QuestionKind.SINGLE,
    QuestionKind.MULTIPLE,
    QuestionKind.RATING,
    QuestionKind.SCALE_10,
)
SHORT, LONG, NUM, DATE = (
    QuestionKind.SHORT_TEXT,
    QuestionKind.LONG_TEXT,
    QuestionKind.NUMBER,
    QuestionKind.DATE,
)
COMMENTS = (
    "배차 간격을 줄여 주세요.",
    "저녁 늦게까지 운행하면 좋겠습니다.",
    "정류장에 의자가 있으면 좋겠어요.",
    "기사님들이 친절하십니다.",
    "음식물 쓰레기 수거 시간을 알려 주세요.",
    "재활용 분리배출 안내문을 더 자주 붙여 주세요.",
)

# (project name, title, introduction, anonymous, [sections: (title, [question dicts])])
SURVEYS = [
    (
        "성동 마을버스 운영",
        "마을버스 이용 만족도 조사",
        "성동구 마을버스를 더 편리하게 만들기 위해 의견을 여쭙니다.\n응답은 5분 정도 걸립니다.",
        False,
        [
            (
                "이용 여부",
                [
                    {
                        "kind": S,
                        "text": "최근 한 달 동안 마을버스를 이용하신 적이 있습니까?",
                        "choices": ("예", "아니요"),
                    },
                    {
                        "kind": M,
                        "text": "주로 이용하는 노선을 고르세요.",
                        "choices": ("성동01", "성동02", "성동03", "성동05", "성동10"),
                        "max_choices": 2,
                        "required": False,
                        "if": (0, "예"),
                    },
                ],
            ),
            (
                "이용 만족도",
                [
                    {
                        "kind": R,
                        "text": "마을버스 서비스에 전반적으로 얼마나 만족하십니까?",
                        "low": 1,
                        "high": 5,
                        "low_label": "매우 불만족",
                        "high_label": "매우 만족",
                        "if": (0, "예"),
                        "lean": 0.8,
                    },
                    {
                        "kind": S,
                        "text": "가장 먼저 개선되어야 할 점은 무엇입니까?",
                        "choices": ("배차 간격", "운행 시간", "기사 친절", "정류장 시설"),
                        "other_option": True,
                        "if": (0, "예"),
                        "lean": -0.6,
                    },
                    {
                        "kind": NUM,
                        "text": "평소 정류장에서 기다리는 시간은 몇 분입니까?",
                        "low": 0,
                        "high": 120,
                        "required": False,
                        "if": (0, "예"),
                    },
                ],
            ),
            (
                "의견",
                [
                    {
                        "kind": LONG,
                        "text": "마을버스에 바라는 점을 자유롭게 적어 주세요.",
                        "required": False,
                    }
                ],
            ),
        ],
    ),
    (
        "생활 폐기물 감량 정책",
        "생활 쓰레기 줄이기 주민 의견 조사",
        "쓰레기를 줄이는 데 무엇이 도움이 될지 주민 여러분께 묻습니다.",
        False,
        [
            (
                "",
                [
                    {
                        "kind": S,
                        "text": "음식물 쓰레기 종량제에 대해 알고 계십니까?",
                        "choices": ("잘 안다", "들어 본 적 있다", "모른다"),
                        "lean": -0.5,
                    },
                    {
                        "kind": M,
                        "text": "실천하고 있는 쓰레기 줄이기 방법을 모두 고르세요.",
                        "choices": (
                            "장바구니 사용",
                            "일회용품 줄이기",
                            "음식물 물기 빼기",
                            "재활용 분리배출",
                            "중고 물품 나눔",
                        ),
                        "required": False,
                    },
                    {
                        "kind": T10,
                        "text": "재활용 정거장 확대를 이웃에게 얼마나 추천하시겠습니까?",
                        "low_label": "전혀 추천 안 함",
                        "high_label": "적극 추천",
                        "lean": 0.7,
                    },
                    {
                        "kind": SHORT,
                        "text": "구청에서 가장 먼저 지원해야 할 것은 무엇입니까?",
                        "required": False,
                    },
                ],
            ),
        ],
    ),
    (
        "구민주도형 응봉산 개나리 축제",
        "응봉산 개나리 축제 만족도 조사",
        "올해 개나리 축제에 대한 의견을 들려주세요.",
        False,
        [
            (
                "",
                [
                    {
                        "kind": S,
                        "text": "올해 개나리 축제에 다녀오셨습니까?",
                        "choices": ("예", "아니요"),
                    },
                    {
                        "kind": R,
                        "text": "축제 프로그램에 얼마나 만족하셨습니까?",
                        "low": 1,
                        "high": 5,
                        "low_label": "매우 불만족",
                        "high_label": "매우 만족",
                        "if": (0, "예"),
                    },
                    {
                        "kind": M,
                        "text": "가장 좋았던 프로그램을 최대 2개 고르세요.",
                        "choices": (
                            "개나리 꽃길 걷기",
                            "주민 공연",
                            "먹거리 장터",
                            "어린이 체험",
                            "야간 조명",
                        ),
                        "max_choices": 2,
                        "if": (0, "예"),
                    },
                    {
                        "kind": S,
                        "text": "축제에 알맞은 시기는 언제라고 생각하십니까?",
                        "choices": ("3월 말", "4월 초", "4월 중순"),
                        "other_option": True,
                    },
                ],
            ),
        ],
    ),
    (
        "공동주택 활성화 정책",
        "공동주택 공동체 활동 조사",
        "아파트 공동체 활동의 어려움과 성공 조건을 알아보려 합니다.",
        False,
        [
            (
                "",
                [
                    {
                        "kind": S,
                        "text": "최근 1년 동안 아파트 공동체 활동에 참여하신 적이 있습니까?",
                        "choices": ("예", "아니요"),
                    },
                    {
                        "kind": M,
                        "text": "참여를 어렵게 하는 점을 고르세요.",
                        "choices": ("시간 부족", "정보 부족", "이웃과의 관계", "관리주체 비협조"),
                        "max_choices": 3,
                    },
                    {
                        "kind": LONG,
                        "text": "공동체 활동이 잘되려면 무엇이 필요할까요?",
                        "required": False,
                    },
                ],
            )
        ],
    ),
    (
        "생활안전체험교육장 운영",
        "생활안전체험교육장 인지도 조사",
        "",
        False,
        [
            (
                "",
                [
                    {
                        "kind": S,
                        "text": "생활안전체험교육장을 알고 계십니까?",
                        "choices": ("알고 있고 가 봤다", "알지만 가 보지 않았다", "모른다"),
                    },
                    {
                        "kind": DATE,
                        "text": "방문을 희망하는 날짜가 있다면 골라 주세요.",
                        "required": False,
                    },
                ],
            )
        ],
    ),
    (
        "동 마을복지센터 운영",
        "동 마을복지센터 이용 경험 조사 (익명)",
        "익명으로 진행하는 조사입니다. 응답과 응답자는 연결되지 않습니다.",
        True,
        [
            (
                "",
                [
                    {
                        "kind": R,
                        "text": "마을복지센터의 상담에 얼마나 만족하셨습니까?",
                        "low": 1,
                        "high": 5,
                        "low_label": "매우 불만족",
                        "high_label": "매우 만족",
                    },
                    {
                        "kind": LONG,
                        "text": "불편했던 점이나 개선할 점을 적어 주세요.",
                        "required": False,
                    },
                ],
            )
        ],
    ),
]
