"""One e-mail owed to one person (a resident's confirmation link, a staff member's notice or
invitation): built and sent through the e-mail channel, the campaigns' sending path, without
the list headers of bulk mail. What a refusal means is said once, here."""

from flask_babel import gettext as _
from jinja2 import TemplateError

from pcrm.messaging.channels import ChannelDown, Content, Refusal, Unsendable
from pcrm.messaging.mail import EmailChannel, Envelope


class Undeliverable(Exception):
    """The e-mail can never go (an address or text SMTP cannot carry, a 5xx): record, no retry."""


class RelayUnavailable(Exception):
    """The relay is unreachable or answered 4xx: worth another try later."""


def _envelope(channel: EmailChannel, *, message_id: str, to: str, content) -> Envelope:
    try:
        return channel.build(
            message_id=message_id,
            token="",  # no campaign Message: a bounce returns to the sender's address
            to=to,
            name=None,
            content=content() if callable(content) else content,
            unsubscribe_url="",  # owed to one person, not bulk: no list headers
        )
    except (Unsendable, UnicodeError, TemplateError) as error:
        raise Undeliverable(
            _("메일을 만들 수 없습니다 (주소나 내용에 보낼 수 없는 글자): %(detail)s", detail=error)
        ) from error


def send_one(*, list_id: str, message_id: str, to: str, content: Content) -> None:
    """Send one e-mail through the relay the config names now (with MAIL_TIMEOUT); `content`
    may be a function that renders it. Undeliverable or RelayUnavailable when it did not go."""
    channel = EmailChannel(list_id=list_id)
    envelope = _envelope(channel, message_id=message_id, to=to, content=content)
    try:
        with channel.session() as session:
            outcome = session.send(envelope)
    except ChannelDown as error:
        raise RelayUnavailable(str(error)) from error
    if isinstance(outcome, Refusal) and outcome.permanent:
        raise Undeliverable(f"{outcome.code} {outcome.reason}")
    if isinstance(outcome, Refusal):
        raise RelayUnavailable(f"{outcome.code} {outcome.reason}")
