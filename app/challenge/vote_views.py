"""/vote: visitors vote for My Story stories from their phones (no sign-in: the ticket proves them)."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for

from app.tickets.links import public_origin
from app.tickets.qr import qr_svg
from app.staff.auth import public

bp = Blueprint("vote", __name__)


@bp.after_request
def _keep_codes_private(response: Response) -> Response:
    """/vote?code= carries a ticket code: never cached or named in a Referer header."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.get("/vote")
@public
def vote_page():
    """The phone page: prove a ticket (scan, type, or ?code=), then vote; live over Socket.IO /vote."""
    return render_template("vote/vote.html", votes_url=url_for("api.cast_vote"))


@bp.get("/vote/qr.svg")
@public
def vote_qr():
    """The join code the public display shows: a QR of the absolute /vote URL."""
    response = Response(qr_svg(f"{public_origin()}/vote"), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
