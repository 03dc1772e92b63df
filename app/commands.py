"""Commands of the app's CLI (`backlot seed`, `backlot staff add|add-jury`, `backlot mail send`, `backlot serve`,
`backlot backup|restore`, `backlot purge-personal-data`, `backlot release-no-shows`), thin over services."""
from __future__ import annotations

import os
import shutil
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.errors import DomainError
from app.ops import OpsError, backup, purge
from app.staff import services as staff_services
from app.staff.models import ROLES
from app.tickets import no_show, outbox

#: Seconds `backlot serve` keeps an idle connection open (see serve_command).
KEEP_ALIVE_SECONDS = 75
#: gunicorn worker class for each async mode (BACKLOT_ASYNC_MODE).
_WORKERS = {"eventlet": ["-k", "eventlet"], "threading": ["-k", "gthread", "--threads", "64"]}
#: gunicorn's access log without query strings or referrers: a ticket's management link carries
#: its key in the query (?key=), and a log is no place for a secret.
ACCESS_LOG_FORMAT = '%(h)s - %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'


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


def _fail(error: DomainError) -> click.ClickException:
    details = "; ".join(f"{field}: {text}" for field, text in (error.fields or {}).items())
    return click.ClickException(f"{error.message}{' (' + details + ')' if details else ''}")


def _juror(key: str):
    """The programme's juror with this key, or a usage error naming the known ones."""
    from sqlalchemy import select

    from app.extensions import db
    from app.schedule.models import JuryMember

    juror = db.session.scalars(select(JuryMember).where(JuryMember.key == key.strip())).first()
    if juror is None:
        known = ", ".join(db.session.scalars(select(JuryMember.key).order_by(JuryMember.position))) or \
            "none: run `backlot seed` first"
        raise click.BadParameter(f"no juror {key!r} in the programme (jurors: {known})", param_hint="--juror")
    return juror


@staff_group.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the account may do.")
@click.option("--name", help="Shown in the console and the audit log (default: from the email, or the juror's name).")
@click.option("--juror", "juror_key", metavar="KEY",
              help="With --role jury: the juror of the programme the account belongs to (e.g. huang-jianxin).")
@with_appcontext
def staff_add_command(email: str, role: str, name: str | None, juror_key: str | None):
    """Add a person or device; prints its password and, last, its API token (shown once)."""
    if juror_key is not None and role != "jury":
        raise click.BadParameter("only a jury account belongs to a juror (--role jury)", param_hint="--juror")
    juror = _juror(juror_key) if juror_key is not None else None
    try:
        credentials = staff_services.add_staff(email, role, name=name, jury_member=juror)
    except DomainError as error:
        raise _fail(error)
    click.echo(f"Added {credentials.member.email} ({role}{', juror ' + juror.key if juror else ''}).")
    click.echo(f"password: {credentials.password}")
    click.echo(f"token: {credentials.token}")


@staff_group.command("add-jury")
@click.option("--domain", default="jury.local", show_default=True,
              help="Emails are <juror key>@<domain>.")
@with_appcontext
def staff_add_jury_command(domain: str):
    """One jury account per juror of the programme that has none (idempotent)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.schedule.models import JuryMember
    from app.staff.models import StaffMember

    domain = domain.strip().lstrip("@").lower()
    jurors = list(db.session.scalars(select(JuryMember).order_by(JuryMember.is_chair.desc(), JuryMember.position,
                                                                  JuryMember.id)))
    if not jurors:
        raise click.ClickException("No jurors in the programme: run `backlot seed` first.")
    taken = set(db.session.scalars(select(StaffMember.jury_member_id)
                                   .where(StaffMember.jury_member_id.is_not(None))))
    added = failed = 0
    for juror in jurors:
        if juror.id in taken:
            continue
        try:
            credentials = staff_services.add_staff(f"{juror.key}@{domain}", "jury", jury_member=juror)
        except DomainError as error:
            click.echo(f"Not added {juror.key}@{domain}: {_fail(error).message}", err=True)
            failed += 1
            continue
        added += 1
        click.echo(f"{credentials.member.email}  {credentials.member.name}")
        click.echo(f"  password: {credentials.password}")
        click.echo(f"  token: {credentials.token}")
    if added:
        click.echo(f"Added {added} jury account(s); {len(jurors) - added - failed} juror(s) had one already.")
    elif not failed:
        click.echo(f"Every juror ({len(jurors)}) has an account already: none added.")
    if failed:
        raise click.ClickException(f"{failed} juror(s) not added (see above).")


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


@click.command("release-no-shows")
@with_appcontext
def release_no_shows_command():
    """Release now the seats of those who did not come to sessions that are due (the server does
    it every 30 s; each session once)."""
    click.echo(no_show.release_no_shows().summary())


@click.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"),
              show_default="$HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int,
              show_default="$PORT or 5000")
@click.option("--worker-connections", default=10000, show_default=True,
              help="Concurrent clients per process (displays, phones, scanners).")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="A line per request on standard output (behind nginx, its own log has them).")
def serve_command(host: str, port: int, worker_connections: int, access_log: bool):
    """Production server: gunicorn, one worker process (scale with more processes behind a proxy)."""
    mode = os.environ.setdefault("BACKLOT_ASYNC_MODE", "eventlet")
    if mode not in _WORKERS:
        raise click.UsageError(f"BACKLOT_ASYNC_MODE must be one of {', '.join(_WORKERS)}")
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
    argv = [gunicorn, *_WORKERS[mode], "-w", "1", "--worker-connections", str(worker_connections),
            "-b", f"{host}:{port}",
            *(["--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT] if access_log else []),
            # Idle connections stay open longer than nginx's upstream keepalive_timeout (60 s) and a
            # phone's pause between scans: gunicorn's 2 s default closes them under a client about
            # to reuse one, and a POST on it is lost (nginx does not retry those).
            "--keep-alive", str(KEEP_ALIVE_SECONDS),
            "--graceful-timeout", "5", "app.wsgi:application"]
    click.echo(f"Backlot on http://{host}:{port} ({mode})")
    os.execv(gunicorn, argv)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace PATH if it exists (the new backup is complete before it does).")
@with_appcontext
def backup_command(path: str, force: bool):
    """Write a consistent copy of the database to PATH while the app runs (SQLite file, or pg_dump -Fc)."""
    try:
        backup.backup(path, force=force)
    except OpsError as error:
        raise click.ClickException(str(error))
    click.echo(f"Backed up to {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm: every change since the backup is lost.")
@with_appcontext
def restore_command(path: str, yes: bool):
    """Replace the database with the backup at PATH."""
    if not yes:
        raise click.ClickException(f"restore replaces the whole database with {path}, losing every change since: "
                                   "run again with --yes to do it")
    try:
        backup.restore(path)
    except OpsError as error:
        raise click.ClickException(str(error))
    click.echo(f"Restored from {path}.")


@click.command("purge-personal-data")
@click.option("--yes", is_flag=True, help="Confirm: visitors' names, emails and ticket codes go for good.")
@with_appcontext
def purge_command(yes: bool):
    """After the event: remove visitors' personal data, keep the counts, stories and results."""
    if not yes:
        raise click.ClickException("this removes every visitor's name, email and ticket code for good (back up "
                                   "first if you must keep them a while): run again with --yes to do it")
    try:
        click.echo(purge.purge_personal_data().summary())
    except OpsError as error:
        raise click.ClickException(str(error))


def register(app: Flask) -> None:
    for command in (seed_command, staff_group, mail_group, serve_command, backup_command, restore_command,
                    purge_command, release_no_shows_command):
        app.cli.add_command(command)
