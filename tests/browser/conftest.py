"""A live server and Debian's Chromium driven by Playwright, and axe-core to check pages.

Without Chromium (or axe-core from `npm ci`) the browser tests (or the accessibility checks)
are skipped, unless PCRM_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from pcrm import ROOT
from pcrm.auth.models import Role
from pcrm.embedded import free_port
from tests.factories import PASSWORD, create_user

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Beyond those tags: the headings and landmarks screen-reader users move by (axe files them
# under best practice), and WCAG 2.2's target size, which KWCAG 2.2 asks for too.
EXTRA_RULES = [
    "heading-order",
    "page-has-heading-one",
    "landmark-one-main",
    "region",
    "target-size",
]
# axe leaves these "to review" because a script might still add the element an id names;
# our pages are rendered whole on the server, so on them they are plain errors.
DEFINITE_ON_SERVER_PAGES = {"aria-valid-attr-value", "duplicate-id-aria", "duplicate-id-active"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _missing(reason: str) -> None:
    if os.environ.get("PCRM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (PCRM_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        _missing(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test app served over HTTP on loopback; yields its base URL."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def _open_page(browser, **options):
    """A page in a fresh context that fails the test if the browser refused anything for
    breaking the Content-Security-Policy (Chromium reports it on the console)."""
    context = browser.new_context(locale="ko-KR", **options)
    page = context.new_page()
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    if refused:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(refused))


@pytest.fixture
def phone_page(browser, live_server):
    """A fresh phone-sized browser page (its own cookies)."""
    yield from _open_page(browser, base_url=live_server, **PHONE)


@pytest.fixture
def desktop_page(browser, live_server):
    yield from _open_page(browser, base_url=live_server)


@pytest.fixture
def no_script_phone_page(browser, live_server):
    """A phone-sized page with JavaScript turned off, as some residents browse."""
    yield from _open_page(browser, base_url=live_server, java_script_enabled=False, **PHONE)


@pytest.fixture
def staff_page(desktop_page):
    """A desktop page signed in through the login form as an administrator (sees every page)."""
    user = create_user("admin@example.kr", role=Role.ADMIN)
    desktop_page.goto("/login")
    desktop_page.get_by_label("이메일").fill(user.email)
    desktop_page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
    desktop_page.get_by_role("button", name="로그인").click()
    desktop_page.get_by_role("heading", name="대시보드").wait_for()
    return desktop_page


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    {' '.join(map(str, node['target']))}" for node in violation["nodes"]]
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        _missing(f"axe-core is not installed at {AXE} (run: npm ci --no-audit --no-fund)")
    return AXE.read_text(encoding="utf-8")


def _violations(page, axe_source: str) -> list[dict]:
    for frame in page.frames:  # axe checks frames through their own copy of the script
        if not frame.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated by the test driver, not added as an inline <script> that our
            # Content-Security-Policy would rightly refuse.
            frame.evaluate(axe_source)
    options = {
        "runOnly": {"type": "tag", "values": WCAG_AA},
        "rules": {rule: {"enabled": True} for rule in EXTRA_RULES},
        "resultTypes": ["violations", "incomplete"],  # the others without their details
    }
    results = page.evaluate("options => axe.run(document, options)", options)
    unsure = [r for r in results["incomplete"] if r["id"] in DEFINITE_ON_SERVER_PAGES]
    return results["violations"] + unsure


def _sideways(page) -> str:
    """WCAG 1.4.10 Reflow, which axe cannot see: on a phone the page never scrolls sideways."""
    width, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if screen <= PHONE["viewport"]["width"] and width > screen:
        return f"reflow: the page is {width}px wide on a {screen}px wide phone\n"
    return ""


@pytest.fixture
def assert_accessible(axe_source):
    """Run axe-core's WCAG 2.1 A and AA rules on `page`, or on each of `paths` opened in it,
    and check reflow on a phone; any violation fails the test, listed by page, rule, impact
    and element."""

    def check(page, paths: tuple[str, ...] = ()) -> None:
        reports = []
        for path in paths or (None,):
            if path is not None:
                page.goto(path)
            # After a click the new page's text can show before its stylesheet applies: judged
            # unstyled, its controls look too small (seen under load).
            page.wait_for_load_state("load")
            problems = _sideways(page) + _describe(_violations(page, axe_source))
            if problems:
                reports.append(f"{page.url}\n{problems}")
        if reports:
            pytest.fail("WCAG 2.1 AA violations (axe-core):\n" + "\n".join(reports))

    return check
