"""A report finds its message: VERP token, returned headers, Message-ID, then the address."""

from pcrm.bounces.matching import by_message_id, known_for, match
from pcrm.bounces.parsing import read
from tests.bounces.returned import dsn, sent_messages


def test_the_verp_return_path_names_the_message(app, smtp_server):
    (first, second), _ = sent_messages(smtp_server)
    report = read(
        dsn(to=f"bounces+{second.token}@pcrm.local", failures=[(first.address, "failed", "5.1.1")])
    )
    # The token is the strongest evidence: even a forwarded address is about that message.
    assert match(report, report.failures[0]) == second


def test_the_returned_headers_name_the_message_when_the_return_path_is_lost(app, smtp_server):
    (_first, second), received = sent_messages(smtp_server)
    raw = dsn(
        to="postmaster@pcrm.local",
        failures=[("someone-else@example.org", "failed", "5.1.1")],
        original=received[second.address],
    )
    report = read(raw)
    assert report.message_token is None and second.token in report.returned_tokens
    assert match(report, report.failures[0]) == second


def test_the_message_id_names_the_message_when_no_token_came_back(app, smtp_server):
    (_first, second), received = sent_messages(smtp_server)
    head = received[second.address].split(b"\r\n\r\n", 1)[0]
    only_id = b"\r\n".join(line for line in head.split(b"\r\n") if line.startswith(b"Message-ID"))
    report = read(
        dsn(
            to="postmaster@pcrm.local",
            failures=[("x@example.org", "failed", "5.1.1")],
            original=only_id + b"\r\n\r\n",
        )
    )
    assert report.returned_tokens == () and report.message_ids == (second.provider_id,)
    assert match(report, report.failures[0]) == second


def test_a_forged_message_id_names_nothing(app, smtp_server):
    (first, _), _ = sent_messages(smtp_server)
    assert by_message_id(first.provider_id) == first
    assert by_message_id(f"<m{first.id}.campaign-999@elsewhere.example>") is None
    assert by_message_id("<m99999999999999.campaign-1@pcrm.local>") is None


def test_the_address_alone_names_our_latest_message_to_it(app, smtp_server):
    (_first, second), _ = sent_messages(smtp_server)
    report = read(
        dsn(to="postmaster@pcrm.local", failures=[(second.address.upper(), "failed", "5.1.1")])
    )
    assert match(report, report.failures[0]) == second
    stranger = read(
        dsn(to="postmaster@pcrm.local", failures=[("nobody@example.org", "failed", "5.1.1")])
    )
    assert match(stranger, stranger.failures[0]) is None


def test_a_multi_recipient_report_matches_each_recipient(app, smtp_server):
    messages, _ = sent_messages(smtp_server, count=3)
    report = read(
        dsn(
            to="postmaster@pcrm.local",
            failures=[
                (messages[0].address, "failed", "5.1.1"),
                ("nobody@example.org", "failed", "5.1.1"),
                (messages[2].address, "delayed", "4.4.7"),
                (messages[1].address, "delivered", "2.0.0"),
            ],
        )
    )
    found = [match(report, failure) for failure in report.failures]
    assert found == [messages[0], None, messages[2]]


def test_a_batch_lookup_matches_as_the_database_does(app, smtp_server):
    messages, received = sent_messages(smtp_server, count=3)
    reports = [
        read(
            dsn(
                to=f"bounces+{messages[0].token}@pcrm.local",
                failures=[("x@example.org", "failed", "5.1.1")],
            )
        ),
        read(
            dsn(
                to="postmaster@pcrm.local",
                failures=[("y@example.org", "failed", "5.1.1")],
                original=received[messages[1].address],
            )
        ),
        read(
            dsn(
                to="postmaster@pcrm.local",
                failures=[
                    (messages[2].address, "failed", "5.1.1"),
                    ("z@example.org", "failed", "5.1.1"),
                ],
            )
        ),
    ]
    known = known_for(reports)
    for report in reports:
        for failure in report.failures:
            assert match(report, failure, known=known) == match(report, failure)
    assert [match(r, r.failures[0], known=known) for r in reports] == messages
