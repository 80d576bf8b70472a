"""Demo data built from the district's reference figures, so a newcomer sees a lived-in office."""

from pcrm.demo.load import DEMO_PASSWORD, DemoSummary, demo_accounts, load_demo

__all__ = ["DEMO_PASSWORD", "DemoSummary", "demo_accounts", "load_demo"]
