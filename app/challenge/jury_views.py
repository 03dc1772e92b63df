"""/jury: a juror scores the round's approved stories on a tablet or phone."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("jury", __name__, url_prefix="/jury")
