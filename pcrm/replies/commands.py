"""`pcrm sms optouts import FILE`: apply an 080 opt-out list from a file."""

from pathlib import Path

import click
from flask.cli import AppGroup

from pcrm.errors import DomainError
from pcrm.replies.optouts import import_opt_out_list

optouts_cli = AppGroup("optouts", help="The 080 opt-out list.")


@optouts_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_file(path: Path):
    """Every number in PATH (CSV or XLSX) loses SMS consent, in the consent ledger; numbers
    already opted out change nothing. Rows that are not a mobile number are listed."""
    try:
        numbers, revoked, problems = import_opt_out_list(
            filename=path.name, content=path.read_bytes()
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"{numbers} numbers read, SMS consent revoked for {revoked} subscribers")
