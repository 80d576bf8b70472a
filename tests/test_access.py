"""Guardrail: every route needs a signed-in staff member unless it is on the public list."""

from pcrm.auth.models import Role

# Reachable without signing in; adding to this list is a decision, made here on purpose.
PUBLIC_ENDPOINTS = {
    "static",
    "health.healthz",
    "auth.login",
    "auth.login_code",  # the second step of signing in: a pending sign-in in the session
    "main.set_language",
    # A new staff member sets their own password from the invitation's link (256 random bits,
    # expiring, used once; wrong attempts rate limited).
    "auth.accept_invitation",
    # Residents answer from the token in their invitation, or from the survey's public link
    # (an unguessable slug, for social media), and read results staff chose to publish.
    "surveys.respond",
    "surveys.public_respond",
    "surveys.public_results",
    # The links in every message: the open pixel, tracked links, and unsubscribing (the
    # RFC 8058 one-click POST must work without a session), all by the message's token.
    "tracking.open_pixel",
    "tracking.click",
    "tracking.unsubscribe",
    "tracking.one_click",
    # ...and an SMS's short links to its survey and opt-out page, by an 11-character code
    # (about 64 bits; unknown codes are rate limited per address).
    "tracking.short_link",
    # Residents sign up and confirm their e-mail (double opt-in), and change their fields and
    # channels from the link in any message, from a signed link, or by asking for one (the
    # answer is the same for any address; the forms are rate limited).
    "subscribers.signup",
    "subscribers.signup_done",
    "subscribers.privacy",
    "subscribers.confirm_email",
    # ...and confirm their mobile number by the code texted to it (a random page token, five
    # tries a code, three codes).
    "subscribers.confirm_phone",
    "subscribers.resend_phone_code",
    "subscribers.preferences",
    "subscribers.preferences_signed",
    "subscribers.preferences_request",
    # The SMS provider (or a bridge) pushes delivery results and residents' replies: no session,
    # but every request signed with SMS_CALLBACK_SECRET (HMAC-SHA256 of the body), or refused.
    "replies.results_callback",
    "replies.replies_callback",
    # Providers report bounces and complaints: Amazon SNS (each message signed by AWS, our
    # topics only) and other relays (HMAC-SHA256 with a shared secret, five-minute window).
    "webhooks.ses",
    "webhooks.signed_events",
    # Residents send their opinion (rate limited) and follow it from the receipt's link, by
    # an unguessable token (144 bits), where they may also comment (rate limited).
    "voice.send",
    "voice.status",
    "voice.resident_comment",
    "voice.withdraw",
    # ...and read the case book: cases PR staff rewrote without personal data and published.
    "voice.cases",
    # Open311 GeoReport v2 for channel bots and civic apps: the service list is public; a
    # request is submitted and read only with an API key (VOICE_API_KEYS), JSON errors else.
    "voice.open311_services",
    "voice.open311_submit",
    "voice.open311_request",
}


def _example_url(rule) -> str:
    """The rule's URL with 1 for every argument: a number for <int:...>, text for the rest."""
    return rule.build(dict.fromkeys(rule.arguments, 1))[1]


def test_the_public_routes_are_exactly_the_expected_ones(app):
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint == "static"
        or getattr(app.view_functions[rule.endpoint], "is_public", False)
    }
    assert public == PUBLIC_ENDPOINTS


def test_every_other_route_sends_an_anonymous_visitor_to_sign_in(app, client, csrf_token):
    token = csrf_token("/login")
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _example_url(rule)
        if "GET" in rule.methods:
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 302, f"{rule.endpoint} {url}: {response.status_code}"
        assert response.headers["Location"].startswith("/login?next="), rule.endpoint
        checked += 1
    assert checked >= 10


def test_every_route_of_the_admin_blueprint_is_for_admins_only(app, client, sign_in, csrf_token):
    sign_in(Role.PR)
    token = csrf_token("/")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        url = _example_url(rule)
        response = (
            client.get(url)
            if "GET" in rule.methods
            else client.post(url, data={"csrf_token": token})
        )
        assert response.status_code == 403, rule.endpoint
