from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired


class UnsubscribeForm(FlaskForm):
    scope = RadioField(
        _l("무엇을 그만 받으시겠어요?"),
        choices=[
            SelectChoice("field", _l("이 분야의 메일만")),
            SelectChoice("all", _l("성동구청의 모든 메일과 문자")),
        ],
        default="field",
        validators=[InputRequired(message=_l("하나를 골라 주세요."))],
    )
