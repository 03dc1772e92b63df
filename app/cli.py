"""The `backlot` command: a Flask CLI group (db, seed, serve, …) over the services."""
from __future__ import annotations

import os
import shutil
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from app.config import ConfigError
from app.db import check_database
from app.factory import create_app

#: gunicorn worker class for each async mode (BACKLOT_ASYNC_MODE).
_WORKERS = {"eventlet": ["-k", "eventlet"], "threading": ["-k", "gthread", "--threads", "64"]}


#: Commands that need the database; the group makes sure it answers before they run.
_NEEDS_DATABASE = {"db", "seed", "serve"}


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False)
@click.pass_context
def cli(ctx: click.Context):
    """Backlot: AI BACKLOT's schedule, tickets, check-in and My Story."""
    if ctx.invoked_subcommand in _NEEDS_DATABASE:
        with ctx.ensure_object(ScriptInfo).load_app().app_context():
            check_database()


@cli.command("seed")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Move the programme so that its first day is this date (YYYY-MM-DD).")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False),
              help="Programme file (default: seed/programme.toml).")
@with_appcontext
def seed_command(start, path):
    """Load the programme from seed/ (idempotent: re-runs update rows in place)."""
    from seed.loader import DEFAULT_PROGRAMME, load_programme

    report = load_programme(path or current_app.config["BACKLOT_SEED_FILE"] or DEFAULT_PROGRAMME,
                            start=start.date() if start else None)
    click.echo(report.summary())


@cli.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="$HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int,
              show_default="$PORT or 5000")
@click.option("--worker-connections", default=10000, show_default=True,
              help="Concurrent clients per process (displays, phones, scanners).")
@with_appcontext
def serve_command(host: str, port: int, worker_connections: int):
    """Production server: gunicorn, one worker process (scale with more processes behind a proxy)."""
    mode = os.environ.setdefault("BACKLOT_ASYNC_MODE", "eventlet")
    if mode not in _WORKERS:
        raise click.UsageError(f"BACKLOT_ASYNC_MODE must be one of {', '.join(_WORKERS)}")
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
    argv = [gunicorn, *_WORKERS[mode], "-w", "1", "--worker-connections", str(worker_connections),
            "-b", f"{host}:{port}", "--access-logfile", "-", "--graceful-timeout", "5",
            "app.wsgi:application"]
    click.echo(f"Backlot on http://{host}:{port} ({mode})")
    os.execv(gunicorn, argv)


def main() -> None:
    """Entry point: a bad setting or an unreachable database is one line, not a traceback."""
    try:
        cli.main(prog_name="backlot")
    except ConfigError as error:
        click.echo(f"backlot: {error}", err=True)
        sys.exit(2)

