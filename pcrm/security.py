"""Security headers on every response, and no caching of anything but static files.

One after-request hook rather than flask-talisman: Talisman would also force https and set
the session cookie flags, which the reverse proxy and the config already own, and it has
no answer for Cache-Control, which every staff page and download needs.
"""

from flask import Flask, Response, current_app, request

# Scripts only from our own static files (no inline script, no eval). Inline styles stay
# allowed: e-mail previews (srcdoc frames inherit this policy) are styled inline, as
# e-mail must be, and a style cannot run code.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "base-uri 'none'",
    "object-src 'none'",
))  # fmt: skip

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",  # frame-ancestors for browsers that predate it
    "X-Content-Type-Options": "nosniff",
    # Message tokens are in our URLs: other sites never see them in a Referer.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _secure(response: Response) -> Response:
    response.headers.update(HEADERS)
    if request.endpoint != "static":
        # Pages and downloads hold personal data: no browser or proxy may keep a copy.
        response.headers["Cache-Control"] = "no-store"
    max_age = current_app.config["HSTS_MAX_AGE"]
    if max_age:
        response.headers["Strict-Transport-Security"] = f"max-age={max_age}; includeSubDomains"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_secure)
