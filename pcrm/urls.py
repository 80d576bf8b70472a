"""Links the service builds: absolute public URLs and safe local redirects."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: no open redirects."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def public_url(endpoint: str, **values) -> str:
    """An absolute URL for links in e-mails and SMS, built on BASE_URL (also in jobs, where
    there is no request to build from)."""
    if has_request_context():
        path = url_for(endpoint, _external=False, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path
