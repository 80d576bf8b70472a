"""Imports every domain's models, so metadata and mappers see the whole schema."""

from pcrm.auth.models import Department, StaffSession, User  # noqa: F401
from pcrm.bounces.models import InboundMail  # noqa: F401
from pcrm.campaigns.models import Campaign, CampaignTransition, CampaignWave  # noqa: F401
from pcrm.messaging.models import Event, Message, ShortLink, Suppression  # noqa: F401
from pcrm.projects.models import Project  # noqa: F401
from pcrm.replies.models import SmsReply  # noqa: F401
from pcrm.reports.models import ReportSnapshot  # noqa: F401
from pcrm.subscribers.imports.models import ImportBatch, ImportRow  # noqa: F401
from pcrm.subscribers.models import (  # noqa: F401
    AccessLog,
    BusinessType,
    ConsentEvent,
    Dong,
    InterestField,
    PhoneConfirmation,
    Segment,
    Subscriber,
    SubscriberNotice,
)
from pcrm.surveys.models import Answer, Choice, Question, Response, Section, Survey  # noqa: F401
from pcrm.voice.models import VoiceComment, VoiceItem, VoiceOfficer, VoiceTransition  # noqa: F401
