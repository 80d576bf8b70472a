"""Periodic jobs: the database is the scheduler, these jobs look at it and act.

Every job here must be safe to run twice at once (several workers may run the cron loop).
"""

from collections.abc import Callable
from dataclasses import dataclass

from pcrm.queue import DEFAULT, URGENT


@dataclass(frozen=True)
class PeriodicJob:
    func: Callable
    interval: int  # seconds
    queue: str = DEFAULT


DAY = 24 * 3600


def _jobs() -> list[PeriodicJob]:
    # Imported when called: job modules pull in every domain's models and services.
    from pcrm.auth.jobs import resend_owed_staff_mail
    from pcrm.bounces.jobs import (
        hand_over_missed_replies,
        poll_bounce_mailbox,
        purge_raw_evidence,
    )
    from pcrm.campaigns.delivery import poll_delivery_results
    from pcrm.campaigns.jobs import (
        launch_due_campaigns,
        materialise_due_waves,
        reconcile_campaigns,
    )
    from pcrm.replies.optouts import sync_opt_out_list
    from pcrm.reports.snapshots import refresh_due_snapshots
    from pcrm.subscribers.jobs import purge_expired_records
    from pcrm.voice.jobs import erase_old_contacts, remind_and_escalate

    return [
        PeriodicJob(launch_due_campaigns, interval=15, queue=URGENT),
        PeriodicJob(reconcile_campaigns, interval=60),
        PeriodicJob(materialise_due_waves, interval=60),  # reminder waves that are due
        PeriodicJob(poll_delivery_results, interval=120),  # what became of the SMS sent
        PeriodicJob(refresh_due_snapshots, interval=300),  # report figures of active campaigns
        PeriodicJob(sync_opt_out_list, DAY),  # the provider's 080 opt-out list
        PeriodicJob(poll_bounce_mailbox, interval=60),  # off while BOUNCE_IMAP_HOST is unset
        PeriodicJob(hand_over_missed_replies, interval=600),  # replies a lost job left behind
        PeriodicJob(purge_expired_records, DAY),  # access log past two years, old import files
        PeriodicJob(purge_raw_evidence, DAY),  # returned mail's raw bytes past their keep
        PeriodicJob(remind_and_escalate, interval=3600),  # residents' voice deadlines
        PeriodicJob(erase_old_contacts, DAY),  # residents' voice contacts past their keep
        PeriodicJob(resend_owed_staff_mail, interval=300),  # what a dead relay left owed
    ]


PERIODIC_JOBS: list[PeriodicJob] = _jobs()
