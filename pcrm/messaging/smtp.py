"""The SMTP connection of a batch, and what an SMTP failure means for a message.

Flask-Mail's connection opens without a timeout (a dead relay would block a job until RQ kills
it) and reads its settings once at start-up; this one reads MAIL_* when it opens and times out
after MAIL_TIMEOUT seconds.
"""

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from flask_mail import Connection, Mail

from pcrm.messaging.channels import Accepted, ChannelDown, Outcome, Refusal, Session


class TimedConnection(Connection):
    def configure_host(self) -> smtplib.SMTP:
        state, timeout = self.mail, current_app.config["MAIL_TIMEOUT"]
        local = current_app.config["MAIL_DOMAIN"]
        if state.use_ssl:
            host = smtplib.SMTP_SSL(state.server, state.port, local, timeout=timeout)
        else:
            host = smtplib.SMTP(state.server, state.port, local, timeout=timeout)
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host

    def __exit__(self, exc_type, exc_value, tb) -> None:
        if self.host is None:
            return
        try:
            self.host.quit()
        except (smtplib.SMTPException, OSError):
            self.host.close()  # the server went away: nothing left to say goodbye to


def smtp_connection() -> TimedConnection:
    """A Flask-Mail connection to the configured relay, opened on `with`."""
    return TimedConnection(Mail().init_mail(current_app.config))


class ConnectionLost(ChannelDown):
    """The relay is unreachable or closed on us: nothing in this batch can go now."""


def _text(raw) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def send_one(host: smtplib.SMTP, mail_from: str, to: str, data: bytes) -> Refusal | None:
    """Send one message over an open connection; a Refusal for this message, or None if
    accepted. A lost connection or a refusal of the whole session raises ConnectionLost."""
    try:
        host.sendmail(mail_from, [to], data)
    except smtplib.SMTPRecipientsRefused as error:
        code, reason = next(iter(error.recipients.values()))
        return _refusal(code, reason)
    except smtplib.SMTPDataError as error:
        return _refusal(error.smtp_code, error.smtp_error)
    except smtplib.SMTPSenderRefused as error:
        # Our envelope sender refused: no recipient's fault, so no bounce; retry later.
        raise ConnectionLost(f"{error.smtp_code} {_text(error.smtp_error)}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise ConnectionLost(f"{type(error).__name__}: {error}") from error
    return None


def _refusal(code: int, reason) -> Refusal:
    if code == 421:  # "service not available, closing": the session is over, not the message
        raise ConnectionLost(f"421 {_text(reason)}")
    # 5xx: this recipient will never get it; 4xx: worth another try later.
    return Refusal(code=code, reason=_text(reason), permanent=code >= 500)


class SmtpSession(Session):
    """Messages over one open SMTP connection."""

    def __init__(self, host: smtplib.SMTP):
        self.host = host

    def send(self, message) -> Outcome:
        refusal = send_one(self.host, message.mail_from, message.to, message.data)
        return refusal or Accepted(message.message_id)


@contextmanager
def smtp_session() -> Iterator[SmtpSession]:
    """A session over one connection to the configured relay; ConnectionLost if unreachable."""
    try:
        with smtp_connection() as connection:
            yield SmtpSession(connection.host)
    except (smtplib.SMTPException, OSError) as error:
        raise ConnectionLost(f"{type(error).__name__}: {error}") from error
