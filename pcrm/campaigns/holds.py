"""What a campaign may not send now: a channel waiting for its relay or provider
(campaigns.backoff), and during quiet hours its SMS and, unless REMINDER_EMAIL_QUIET_HOURS is
off, its reminder e-mails. The batch job claims only what may go, and the reconciler queues
only batches that hold something that may go, so held messages wait without a job a minute.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import ColumnElement, or_

from pcrm.campaigns.models import Campaign
from pcrm.messaging.quiet_hours import QuietHours
from pcrm.subscribers.models import Channel


@dataclass(frozen=True)
class Hold:
    channels: frozenset[Channel]  # nothing goes on these now
    reminder_emails: bool  # e-mail of waves after the first waits too
    quiet_until: datetime | None  # the end of the quiet hours, while they last

    @property
    def everything(self) -> bool:
        return self.channels >= set(Channel)

    def allowed(self, message) -> list[ColumnElement[bool]]:
        """Conditions on `message` (Message, or an alias of it) for what may go now."""
        conditions = []
        if self.channels:
            conditions.append(message.channel.not_in([c.value for c in self.channels]))
        if self.reminder_emails:
            conditions.append(or_(message.channel != Channel.EMAIL.value, message.wave == 0))
        return conditions


def hold_now(campaign: Campaign, now: datetime) -> Hold:
    """What the campaign may not send at `now`, by its row as loaded."""
    waiting = {
        Channel.EMAIL: campaign.waits_for_relay,
        Channel.SMS: campaign.waits_for_sms_provider,
    }
    channels = {channel for channel, waits in waiting.items() if waits}
    quiet = QuietHours.from_config(current_app.config)
    if not quiet.is_quiet(now):
        return Hold(frozenset(channels), reminder_emails=False, quiet_until=None)
    return Hold(
        frozenset(channels | {Channel.SMS}),
        reminder_emails=current_app.config["REMINDER_EMAIL_QUIET_HOURS"],
        quiet_until=quiet.sending_may_start(now),
    )
