"""/jury: a juror scores the round's approved stories on a tablet or phone."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("jury", __name__, url_prefix="/jury")


from app.staff.auth import roles_required  # noqa: E402


@bp.get("", strict_slashes=False)
@roles_required("jury")
def scoring_page():
    return "jury"
