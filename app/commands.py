"""Commands of the app's CLI (`backlot seed`, `backlot staff add`, `backlot mail send`, `backlot serve`),
thin over services."""
from __future__ import annotations

import os
import shutil
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.errors import DomainError
from app.staff import services as staff_services
from app.staff.models import ROLES
from app.tickets import outbox

#: gunicorn worker class for each async mode (BACKLOT_ASYNC_MODE).
_WORKERS = {"eventlet": ["-k", "eventlet"], "threading": ["-k", "gthread", "--threads", "64"]}


@click.command("seed")
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


@click.group("staff")
def staff_group():
    """Staff accounts and device tokens."""


@staff_group.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the account may do.")
@click.option("--name", help="Shown in the console and the audit log (default: from the email).")
@with_appcontext
def staff_add_command(email: str, role: str, name: str | None):
    """Add a person or device; prints its password and, last, its API token (shown once)."""
    try:
        credentials = staff_services.add_staff(email, role, name=name)
    except DomainError as error:
        details = "; ".join(f"{field}: {text}" for field, text in (error.fields or {}).items())
        raise click.ClickException(f"{error.message}{' (' + details + ')' if details else ''}")
    click.echo(f"Added {credentials.member.email} ({role}).")
    click.echo(f"password: {credentials.password}")
    click.echo(f"token: {credentials.token}")


@click.group("mail")
def mail_group():
    """The mail outbox."""


@mail_group.command("send")
@with_appcontext
def mail_send_command():
    """Send every mail that is due now; failed ones wait for their retry."""
    sent = failed = 0
    while True:
        report = outbox.deliver_due()
        sent, failed = sent + report.sent, failed + report.failed
        if report.attempted < outbox.BATCH:
            break
    click.echo(f"{sent} mail(s) sent, {failed} failed.")


@click.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"),
              show_default="$HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int,
              show_default="$PORT or 5000")
@click.option("--worker-connections", default=10000, show_default=True,
              help="Concurrent clients per process (displays, phones, scanners).")
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


def register(app: Flask) -> None:
    for command in (seed_command, staff_group, mail_group, serve_command):
        app.cli.add_command(command)
