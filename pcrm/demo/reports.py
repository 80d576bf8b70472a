"""The demo office's report figures stored, as the periodic job would have left them."""

from pcrm.reports.snapshots import refresh_due_snapshots


def load_report_snapshots() -> int:
    """Compute and store the figures of every launched campaign that has none or older ones."""
    return refresh_due_snapshots()
