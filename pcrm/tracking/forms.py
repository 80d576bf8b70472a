from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from pcrm.subscribers.models import Channel

# What the choices stop, in the words of the channel the message came by: the registry keeps
# consent per channel and per field, so a field is stopped on both channels.
CHANNEL_WORDS = {
    Channel.SMS: _l("성동구청의 모든 문자 (메일은 계속 받습니다)"),
    Channel.EMAIL: _l("성동구청의 모든 메일 (문자는 계속 받습니다)"),
}


class UnsubscribeForm(FlaskForm):
    scope = RadioField(
        _l("무엇을 그만 받으시겠어요?"),
        validators=[InputRequired(message=_l("하나를 골라 주세요."))],
    )

    def __init__(self, *args, channel: Channel, field: str | None, **kwargs):
        """The choices for a message that came by `channel` about `field` (its name)."""
        super().__init__(*args, **kwargs)
        choices = [SelectChoice("channel", CHANNEL_WORDS[channel])]
        if field:
            words = _l("「%(field)s」 분야의 안내 (메일과 문자 모두)", field=field)
            choices.insert(channel is Channel.SMS, SelectChoice("field", words))
        choices.append(SelectChoice("all", _l("성동구청의 모든 메일과 문자")))
        self.scope.choices = choices
        if self.scope.data is None:
            self.scope.data = choices[0].value
