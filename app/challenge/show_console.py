"""/staff/show: the person by the stage runs voting, the freeze and the reveal; results export."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("show_console", __name__, url_prefix="/staff/show")
