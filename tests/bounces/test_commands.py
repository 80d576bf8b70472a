"""`pcrm bounces ingest FILE... [--dry-run] [--json]` on .eml and mbox files."""

import json
from pathlib import Path

from pcrm.bounces.models import InboundMail
from pcrm.extensions import db
from pcrm.messaging.models import Suppression
from pcrm.messaging.service import is_suppressed
from tests.bounces.returned import dsn, sent_messages

CORPUS = Path(__file__).parent / "corpus"
KEYS = ["file", "is_bounce", "kind", "recipient", "status", "message_token"]


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def mbox(path: Path, *messages: bytes) -> Path:
    path.write_bytes(
        b"".join(
            b"From MAILER-DAEMON Mon Nov 30 10:00:00 2026\n" + m.replace(b"\r\n", b"\n") + b"\n"
            for m in messages
        )
    )
    return path


def test_json_gives_one_object_per_message_from_eml_and_mbox(app, runner, tmp_path):
    names = [
        "postfix_user_unknown.eml",
        "ooo_exchange_automatic_reply.eml",
        "arf_yahoo_complaint.eml",
    ]
    box = mbox(tmp_path / "returned", *((CORPUS / n).read_bytes() for n in names[:2]))
    result = runner.invoke(args=["bounces", "ingest", "--json", str(CORPUS / names[2]), str(box)])

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [list(line) for line in lines] == [KEYS] * 3
    complaint, hard, auto_reply = lines
    assert complaint["kind"] == "complaint" and complaint["is_bounce"] is False
    assert complaint["file"] == str(CORPUS / names[2])
    assert hard == {
        "file": str(box),
        "is_bounce": True,
        "kind": "hard",
        "recipient": "kim.minsu@example.net",
        "status": "5.1.1",
        "message_token": "m7xK2pLz9RtV4wY8bN3c0001",
    }
    assert auto_reply["kind"] == "none" and auto_reply["is_bounce"] is False
    assert auto_reply["status"] is None and auto_reply["recipient"] is None
    assert count(InboundMail) == 3


def test_dry_run_changes_nothing_and_a_second_run_changes_nothing(
    app, runner, smtp_server, tmp_path
):
    (message, _), _ = sent_messages(smtp_server)
    eml = tmp_path / "bounce.eml"
    eml.write_bytes(
        dsn(
            to=f"bounces+{message.token}@pcrm.local",
            failures=[(message.address, "failed", "5.1.1")],
        )
    )

    dry = runner.invoke(args=["bounces", "ingest", "--dry-run", str(eml)])
    assert dry.exit_code == 0 and "dry run, matches 1 message" in dry.output
    assert count(InboundMail) == 0 and count(Suppression) == 0

    assert runner.invoke(args=["bounces", "ingest", str(eml)]).exit_code == 0
    assert is_suppressed("email", message.address)
    again = runner.invoke(args=["bounces", "ingest", str(eml)])
    assert "already ingested, nothing changed" in again.output
    assert count(InboundMail) == 1 and count(Suppression) == 1


def test_bad_files_are_reported_and_the_others_still_ingested(app, runner, tmp_path):
    garbage = tmp_path / "garbage.eml"
    garbage.write_bytes(bytes(range(256)) * 20)
    result = runner.invoke(
        args=[
            "bounces",
            "ingest",
            "--json",
            str(tmp_path / "missing.eml"),
            str(garbage),
            str(CORPUS / "qmail_no_mailbox.eml"),
        ]
    )
    assert result.exit_code == 1
    assert "missing.eml: 파일을 열 수 없습니다" in result.output
    kinds = [
        json.loads(line)["kind"] for line in result.output.splitlines() if line.startswith("{")
    ]
    assert kinds == ["none", "hard"]
    assert f"{garbage}: 이메일이 아닌 이진 데이터입니다" in result.output  # on stderr
    why = db.session.scalar(db.select(InboundMail.why).where(InboundMail.kind == "none"))
    assert why == "이메일이 아닌 이진 데이터입니다"
