"""/vote: visitors vote for My Story stories from their phones (no sign-in: the ticket proves them)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("vote", __name__)
