"""A campaign's report: every figure family of pcrm.reports, read once for the page and exports."""

from dataclasses import dataclass

from pcrm.campaigns.models import Campaign
from pcrm.reports import groups, metrics, timing, waves


@dataclass(frozen=True)
class CampaignReport:
    campaign: Campaign
    funnel: metrics.Funnel
    aside: metrics.Aside
    channels: list[metrics.ChannelRow]
    waves: list[waves.WaveRow]
    links: list[timing.LinkRow]
    delays: timing.Delays
    timeline: dict[str, list[timing.Moment]]
    groups: dict[str, list[groups.GroupRow]]

    @property
    def nothing_sent(self) -> bool:
        return self.funnel.sent == 0


def campaign_report(campaign: Campaign) -> CampaignReport:
    """Read every figure of the campaign (about a dozen grouped queries)."""
    cid = campaign.id
    return CampaignReport(
        campaign=campaign,
        funnel=metrics.funnel(cid),
        aside=metrics.aside(cid),
        channels=metrics.channels(cid),
        waves=waves.waves(cid),
        links=timing.links(cid, campaign.body),
        delays=timing.delays(cid),
        timeline=timing.timeline(cid),
        groups=groups.groups(cid),
    )
