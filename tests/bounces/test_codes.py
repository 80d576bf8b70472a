"""A server's words to an RFC 3463 status and a hard or soft kind."""

import pytest

from pcrm.bounces.codes import kind_for, status_from_text
from pcrm.bounces.report import BounceKind

HARD, SOFT = BounceKind.HARD, BounceKind.SOFT


@pytest.mark.parametrize(
    ("text", "status", "kind"),
    [
        ("550 5.1.1 <a@example.org>: Recipient address rejected: User unknown", "5.1.1", HARD),
        ("550-5.1.1 The email account that you tried to reach does not exist", "5.1.1", HARD),
        ("550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found", "5.1.10", HARD),
        ("552 5.2.2 Mailbox full", "5.2.2", SOFT),
        ("552 Mailbox quota exceeded for this user", "5.2.2", SOFT),
        ("550 5.0.0 user is over quota", "5.2.2", SOFT),  # a full mailbox: soft even as 5.x.x
        ("554 5.7.1 Client host blocked using zen.spamhaus.org", "5.7.1", SOFT),
        ("550 5.7.26 Unauthenticated email is not accepted due to DMARC policy", "5.7.26", SOFT),
        ("451 4.7.1 Greylisted, try again later", "4.7.1", SOFT),
        ("421 Service not available, closing channel", "4.0.0", SOFT),
        ("550 Requested action not taken: mailbox unavailable", "5.1.1", HARD),
        ("Sorry, no mailbox here by that name. (#5.1.1)", "5.1.1", HARD),
        ("554: delivery error: dd This user doesn't have a yahoo.com account", "5.1.1", HARD),
        ("Host or domain name not found. Name service error", "5.1.2", HARD),
        ("550 5.4.4 Unable to route: no mail hosts for domain", "5.4.4", HARD),
        ("550 5.2.1 The email account that you tried to reach is disabled", "5.2.1", HARD),
        ("받는 사람의 메일 주소가 존재하지 않습니다.", "5.1.1", HARD),
        ("존재하지 않는 사용자입니다.", "5.1.1", HARD),
        ("수신자 계정이 없습니다.", "5.1.1", HARD),
        ("받는 사람의 메일함 용량이 가득 차서 메일을 받을 수 없습니다.", "5.2.2", SOFT),
        ("메일함 용량 초과 (552)", "5.2.2", SOFT),
        ("retry timeout exceeded", "4.4.7", SOFT),
        ("554 5.3.4 Message too big for system", "5.3.4", SOFT),
        ("550 5.0.0 Refused", "5.0.0", HARD),
        # Other languages say the same things.
        ("550 Benutzer unbekannt", "5.1.1", HARD),
        ("Die Adresse existiert nicht", "5.1.1", HARD),
        ("550 Utilisateur inconnu", "5.1.1", HARD),
        ("552 Boîte aux lettres pleine", "5.2.2", SOFT),
        ("550 El usuario no existe", "5.1.1", HARD),
        ("Postfach ist voll (5.2.2)", "5.2.2", SOFT),
    ],
)
def test_words_give_a_status_and_a_kind(text, status, kind):
    assert status_from_text(text) == status
    assert kind_for(status, text) is kind


def test_a_delay_is_soft_whatever_its_code():
    assert kind_for("5.1.1", "", delayed=True) is SOFT


def test_no_code_and_no_words_is_no_status():
    assert status_from_text("Your message could not be delivered.") is None
    assert kind_for(None) is SOFT
    assert kind_for("5.1") is SOFT  # malformed: never suppress on it
