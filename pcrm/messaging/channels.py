"""One interface for every channel (e-mail, SMS), as notifications-api's provider clients.

A channel builds a message for one recipient from content its caller has already rendered, opens
one session (an SMTP connection, a provider's API client), sends over it one message or many in
one call, and says what each refusal means: permanent (this recipient will never get it),
temporary (worth another try), or a failure of the relay or provider as a whole (ChannelDown:
nobody's attempt). Delivery results that come later are read through the same channel.

The channel layer knows nothing of campaigns: it takes plain data and returns outcomes.
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import ClassVar


@dataclass(slots=True)  # not frozen: one per message of a wave, and frozen triples its making
class Content:
    """What the recipient reads, already rendered by the caller."""

    subject: str | None
    text: str
    html: str | None = None
    # Advertising under 정보통신망법 §50 (a promotional campaign): an SMS provider is told so.
    advertising: bool = False


class Outgoing:
    """A message built for one recipient, ready for its channel's session."""

    to: str  # as the channel carries it: an SMTP address, an E.164 number


@dataclass(frozen=True)
class Accepted:
    """The relay or provider took the message; provider_id finds its delivery result later."""

    provider_id: str


@dataclass(frozen=True)
class Refusal:
    """The relay or provider refused one message: for good, or worth another try later."""

    code: int | str
    reason: str
    permanent: bool


@dataclass(frozen=True)
class Uncertain:
    """The provider's answer was lost: the message may have gone. Never send it again blindly;
    its delivery result tells."""

    reason: str


@dataclass(frozen=True)
class Postponed:
    """The provider did not take the message and asked us to wait (throttled with a 429, or the
    call stopped after an outage): nobody's attempt; send it again after retry_after seconds
    (None: the caller's own backoff)."""

    reason: str
    retry_after: float | None = None


Outcome = Accepted | Refusal | Uncertain | Postponed


@dataclass(frozen=True)
class DeliveryResult:
    """What became of an accepted message: delivered, or failed with the provider's reason."""

    provider_id: str
    delivered: bool
    reason: str | None = None
    to: str | None = None  # E.164, when one provider id covers several messages (a request)
    permanent: bool = False  # the number can never receive: the phone is marked invalid


class Unsendable(ValueError):
    """The message cannot be built for this recipient; the text says why, in words."""


class ChannelDown(Exception):
    """The relay or provider as a whole cannot take messages now: nothing in this session goes."""


class Session(ABC):
    """One open connection or API client; used inside `with channel.session() as session`."""

    @abstractmethod
    def send(self, message: Outgoing) -> Outcome:
        """Send one message; ChannelDown when the relay or provider fails as a whole."""

    def send_many(self, messages: Sequence[Outgoing]) -> list[Outcome]:
        """Send several messages, one outcome each in order (one API call where the provider
        takes many)."""
        return [self.send(message) for message in messages]


class Channel(ABC):
    """A way to reach residents: builds messages, opens sessions, reads delivery results."""

    name: ClassVar[str]

    @abstractmethod
    def build(
        self,
        *,
        message_id: int | str,
        token: str,
        to: str,
        name: str | None,
        content: Content,
        unsubscribe_url: str,
    ) -> Outgoing:
        """The message for one recipient; Unsendable when it cannot go to them."""

    @abstractmethod
    def session(self) -> AbstractContextManager[Session]:
        """One connection or client for many messages, closed on leaving the `with`."""

    def delivery_results(self, provider_ids: Sequence[str]) -> list[DeliveryResult]:
        """Results the provider reports for these messages; none known by default."""
        return []
