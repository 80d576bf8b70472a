"""Personal data and bearer tokens kept out of the request logs.

A request line carries what residents and staff typed (a search for a name, an e-mail address
or a phone number in the query string) and the tokens of message links (/s/<token>, /u/<token>,
the SMS short links /r/<code>, ...), which open a resident's survey and preferences to whoever
holds them. The web servers' access logs (werkzeug under `pcrm up`, gunicorn in production) and
the app's own error lines show a request's path with every token and every query value masked.
"""

import logging
import re
from urllib.parse import parse_qsl, urlencode

MASK = "***"
# The routes whose first argument is a token, a short-link code or an unguessable slug
# (tests/test_logs.py checks every such route of the URL map is matched here).
_TOKEN_PATH = re.compile(
    r"(?P<prefix>/(?:s|o|c|u|p|r|v|preferences|join/confirm|join/phone|survey|welcome)/)"
    r"(?P<token>[^/?#\s\"]+?)(?P<suffix>\.gif)?(?=[/?#\s\"]|$)"
)
_QUERY = re.compile(r"\?(?P<query>[^\s#\"]*)")


def _mask_query(match: re.Match) -> str:
    pairs = parse_qsl(match["query"], keep_blank_values=True)
    return "?" + urlencode([(key, MASK if value else "") for key, value in pairs], safe="*")


def mask(text: str) -> str:
    """`text` (a path, a request line, a log line) with tokens and query values masked."""
    text = _TOKEN_PATH.sub(lambda m: f"{m['prefix']}{MASK}{m['suffix'] or ''}", text)
    return _QUERY.sub(_mask_query, text)


class MaskFilter(logging.Filter):
    """A logging filter that masks tokens and query values in every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = ()
        return True


def init_app(app) -> None:
    """Mask the app's own log lines (Flask names the path of a failed request) and werkzeug's
    request log (`pcrm up`)."""
    for logger in (app.logger, logging.getLogger("werkzeug")):
        if not any(isinstance(f, MaskFilter) for f in logger.filters):
            logger.addFilter(MaskFilter())
