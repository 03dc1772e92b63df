"""Drawn storyboard frames as images: public once their story is approved, to moderators always."""
from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import current_user

from app.challenge import stories
from app.staff.services import authenticate_token
from app.staff.auth import public

bp = Blueprint("stories", __name__)

MODERATORS = ("moderator", "admin")


def _is_moderator() -> bool:
    """A signed-in moderator (the console) or a moderator's bearer token (tools)."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        member = authenticate_token(raw.strip())
        return member is not None and member.role in MODERATORS
    return current_user.is_authenticated and current_user.role in MODERATORS


@bp.get("/stories/<int:story_id>/frames/<int:beat>.png")
@public
def frame(story_id: int, beat: int):
    story = stories.get_story(story_id)
    approved = story.status == "approved"
    if not approved and not _is_moderator():
        abort(404)  # a pending or rejected story does not exist for the public
    response = Response(stories.frame_png(story, beat), mimetype="image/png")
    # Pending frames must not linger in a shared cache; approved ones may be cached briefly
    # (a story can still be withdrawn).
    response.headers["Cache-Control"] = "public, max-age=60" if approved else "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
