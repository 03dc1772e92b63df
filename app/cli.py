"""The `backlot` command: a Flask CLI group over the app's commands (app.commands) and `db`."""
from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup, ScriptInfo

from app.config import ConfigError
from app.db import check_database
from app.factory import create_app

#: Commands that need the database; the group makes sure it answers before they run.
_NEEDS_DATABASE = {"db", "seed", "serve", "staff", "mail", "backup", "restore", "purge-personal-data"}


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False)
@click.pass_context
def cli(ctx: click.Context):
    """Backlot: AI BACKLOT's schedule, tickets, check-in and My Story."""
    if ctx.invoked_subcommand in _NEEDS_DATABASE:
        with ctx.ensure_object(ScriptInfo).load_app().app_context():
            check_database()


def main() -> None:
    """Entry point: a bad setting or an unreachable database is one line, not a traceback."""
    try:
        cli.main(prog_name="backlot")
    except ConfigError as error:
        click.echo(f"backlot: {error}", err=True)
        sys.exit(2)
