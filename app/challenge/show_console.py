"""/staff/show: the person by the stage runs voting, the freeze and the reveal; results export."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("show_console", __name__, url_prefix="/staff/show")


from app.staff.auth import roles_required  # noqa: E402


@bp.get("", strict_slashes=False)
@roles_required("moderator", "admin")
def show_page():
    return "show"
