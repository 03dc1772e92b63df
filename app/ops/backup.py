"""`backlot backup PATH` and `backlot restore PATH --yes`, while the app runs.

SQLite: the sqlite3 online backup API copies every page in one step, that is one read
transaction (one consistent snapshot) that writers in WAL mode never wait for, into a
self-contained file; a restore copies a checked backup back into the live file the same
way, as one write transaction. PostgreSQL: pg_dump's custom format (one snapshot), and
pg_restore --clean in a single transaction. A backup is written beside PATH and renamed
onto it when complete, so PATH never holds half a backup; an existing PATH is replaced
only when asked (`force`).
"""
from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy.engine import URL

from app.extensions import db
from app.ops import OpsError


def backup(path: str | os.PathLike, *, force: bool = False) -> Path:
    """Write a consistent copy of the app's database to `path`."""
    target = Path(path)
    if target.exists() and not force:
        raise OpsError(f"{target} exists: pass --force to replace it, or choose another path")
    if not target.parent.is_dir():
        raise OpsError(f"no folder {target.parent} to write {target.name} in")
    url = db.engine.url
    with _written_atomically(target) as partial:
        if url.get_backend_name() == "sqlite":
            _copy_sqlite(url.database, partial)
        else:
            _run_client("pg_dump", "--format=custom", f"--file={partial}", url=url)
    return target


def restore(path: str | os.PathLike) -> None:
    """Replace everything in the app's database with the backup at `path`."""
    source = Path(path)
    url = db.engine.url
    # This process's own connections must hold no lock or snapshot the restore would wait for.
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        _restore_sqlite(source, url.database)
    else:
        _run_client("pg_restore", "--clean", "--if-exists", "--single-transaction", "--no-owner", str(source),
                   url=url)


@contextmanager
def _written_atomically(target: Path):
    """A partial file beside `target`, renamed onto it once complete, removed if not."""
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _copy_sqlite(database: str, partial: Path) -> None:
    try:
        with closing(_open(Path(database), "rw")) as live, closing(sqlite3.connect(partial)) as copy:
            # pages=-1: all at once. Copying in steps would start over at each commit of a writer.
            live.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
    except sqlite3.Error as error:
        raise OpsError(f"cannot back up {database}: {error}") from None


def _restore_sqlite(source: Path, database: str) -> None:
    try:
        with closing(_open(source, "ro")) as backup_file:
            if backup_file.execute("PRAGMA quick_check").fetchone()[0] != "ok" or not backup_file.execute(
                    "SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone():
                raise OpsError(f"{source} is not a sound Backlot backup: the live database is unchanged")
            with closing(_open(Path(database), "rw")) as live:
                backup_file.backup(live, pages=-1)
    except sqlite3.Error as error:
        raise OpsError(f"cannot restore {source}: {error}") from None


def _open(path: Path, mode: str) -> sqlite3.Connection:
    """An existing database file (never a new empty one), waiting its turn for locks."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=15)


def _run_client(program: str, *args: str, url: URL) -> None:
    """Run a PostgreSQL client program on the database at `url`; OpsError with its first error line."""
    found = shutil.which(program)
    if found is None:
        raise OpsError(f"{program} is not installed: install the PostgreSQL client programs "
                       f"(e.g. apt install postgresql-client-15), of the server's major version or newer")
    # The password goes by the environment, never on a command line others can list.
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run([found, "--no-password", f"--dbname={dsn}", *args], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise OpsError(f"{program} failed: {lines[0] if lines else f'exit status {done.returncode}'}")
