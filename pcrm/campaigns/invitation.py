"""A survey campaign's survey: of the campaign's project, published, and open when it sends.

The same rule answers the form (which surveys to offer), the review (can it go at that time?)
and the launch (is the survey still open now?), each time in words staff can act on.
"""

from datetime import datetime

from flask_babel import gettext as _

from pcrm.campaigns.models import Campaign, CampaignKind
from pcrm.extensions import db
from pcrm.i18n import local_datetime
from pcrm.surveys.models import Survey, SurveyState


def invited_survey(campaign: Campaign) -> Survey | None:
    """The survey the campaign invites to, read afresh (the form may have just changed the id)."""
    if campaign.kind is not CampaignKind.SURVEY or campaign.survey_id is None:
        return None
    return db.session.get(Survey, campaign.survey_id)


def survey_problem(campaign: Campaign, sending_at: datetime | None = None) -> str | None:
    """Why the campaign cannot invite to its survey, or None. Given `sending_at` (review,
    launch), the survey must be open then; while drafting, one that opens later will do."""
    if campaign.kind is not CampaignKind.SURVEY or campaign.survey_id is None:
        return None  # a missing survey is for the completeness check before review
    survey = invited_survey(campaign)
    if survey is None or survey.project_id != campaign.project.id:
        return _("설문은 캠페인과 같은 사업의 설문이어야 합니다.")
    if survey.published_at is None:
        title = survey.title
        return _("「%(title)s」 설문은 아직 게시되지 않았습니다. 먼저 게시해 주세요.", title=title)
    state = survey.state(sending_at)
    if state is SurveyState.CLOSED:
        closed = survey.closed_at or survey.closes_at
        return _(
            "「%(title)s」 설문이 %(when)s에 마감되어 초대할 수 없습니다.",
            title=survey.title,
            when=local_datetime(closed),
        )
    if state is SurveyState.SCHEDULED and sending_at is not None:
        return _(
            "「%(title)s」 설문은 %(when)s에 시작합니다. 발송 시각을 그 뒤로 정해 주세요.",
            title=survey.title,
            when=local_datetime(survey.opens_at),
        )
    return None
