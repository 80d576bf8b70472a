"""`pcrm sms measure [--json] TEXT...`: SMS text measured as Korean providers count it."""

import json
import sys

import click
from flask.cli import AppGroup

from pcrm.messaging.sms_text import measure

sms_cli = AppGroup("sms", help="SMS text and sending.")


@sms_cli.command("measure")
@click.argument("texts", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per text, one a line.")
def measure_texts(texts: tuple[str, ...], as_json: bool):
    """Measure each TEXT in CP949 bytes: SMS (up to 90), LMS (up to 2,000) or refused.

    With --json: {"text", "bytes", "type", "refused"}: CP949 bytes (null when the text is
    refused), "sms" | "lms" | "refused", and the characters that cannot be sent (each once; the
    line without --json gives their positions and stand-ins). The exit status is 1 when any
    text is refused.
    """
    results = [measure(text) for text in texts]
    for result in results:
        if as_json:
            click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            quoted = json.dumps(result.text, ensure_ascii=False)  # one line, newlines shown as \n
            click.echo(f"{quoted}: {result.describe()}")
    if any(result.refused for result in results):
        sys.exit(1)
