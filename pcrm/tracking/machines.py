"""Opens and clicks made by machines, counted apart from people's (honest numbers).

An open or click is a machine's when any of these holds:

1. The request is a HEAD, or has no User-Agent at all.
2. It says it is a prefetch or preview (`Purpose`, `Sec-Purpose`, `X-Purpose`, `X-Moz` headers).
3. Its User-Agent is a known proxy or scanner:
   - Apple Mail Privacy Protection fetches every image of every message through Apple's proxies,
     whether or not anyone reads it; they send the bare agent "Mozilla/5.0" and come from
     Apple's 17.0.0.0/8 network.
   - Gmail's image proxy (`GoogleImageProxy`) and Yahoo's (`YahooMailProxy`) fetch on behalf of
     readers and cache: one fetch may stand for several opens, or for none, so these are not
     counted as people. (Gmail usually fetches when the reader opens, so this undercounts human
     opens at Gmail; the report says "human opens" divide by what we can tell apart.)
   - Link scanners and previewers of security gateways and chat apps (Barracuda, Proofpoint,
     Mimecast, Microsoft Defender/Safe Links, Symantec, Trend Micro, Slack, WhatsApp ...), and
     generic bots, crawlers, scripts and headless browsers.
4. It came within MACHINE_OPEN_SECONDS (default 10) of the message being sent: gateways open and
   follow every link on receipt, faster than a person could.
"""

import ipaddress
import re
from datetime import datetime

APPLE_NETWORK = ipaddress.ip_network("17.0.0.0/8")
PREFETCH_HEADERS = ("Purpose", "Sec-Purpose", "X-Purpose", "X-Moz")
AGENTS = re.compile(
    r"GoogleImageProxy|YahooMailProxy|ggpht\.com|Barracuda|Proofpoint|Mimecast|urldefense|"
    r"SafeLinks|Safe Links|MSOffice.*Defender|Symantec|TrendMicro|Trend Micro|Forcepoint|"
    r"Sophos|FortiGuard|Cisco|IronPort|Zscaler|Slackbot|WhatsApp|facebookexternalhit|"
    r"Twitterbot|LinkedInBot|TelegramBot|Discordbot|SkypeUriPreview|BingPreview|"
    r"bot\b|crawler|spider|HeadlessChrome|PhantomJS|python-requests|python-urllib|curl/|"
    r"Wget|Go-http-client|okhttp|Java/|libwww|HttpClient",
    re.IGNORECASE,
)


def _apple_proxy(user_agent: str, remote_addr: str | None) -> bool:
    if user_agent.strip() == "Mozilla/5.0":
        return True
    try:
        return ipaddress.ip_address(remote_addr or "") in APPLE_NETWORK
    except ValueError:
        return False


def machine_reason(
    *,
    method: str,
    user_agent: str,
    remote_addr: str | None,
    headers,
    sent_at: datetime | None,
    now: datetime,
    window_seconds: int,
) -> str | None:
    """Why this request is a machine's, or None if it looks like a person."""
    if method == "HEAD":
        return "HEAD request"
    if not user_agent.strip():
        return "no user agent"
    for name in PREFETCH_HEADERS:
        value = headers.get(name, "")
        if re.search(r"prefetch|preview", value, re.IGNORECASE):
            return f"{name}: {value}"
    if _apple_proxy(user_agent, remote_addr):
        return "Apple Mail Privacy Protection"
    match = AGENTS.search(user_agent)
    if match:
        return f"agent {match.group()}"
    if sent_at is not None and (now - sent_at).total_seconds() < window_seconds:
        return f"within {window_seconds} s of sending"
    return None
