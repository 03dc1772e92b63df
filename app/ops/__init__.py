"""Operations on the whole database, run from the command line (app.commands): backups and
restores (backup.py), and the personal-data purge after the event (purge.py)."""
from __future__ import annotations


class OpsError(Exception):
    """An operation that could not be done; its message is one readable line."""
