"""Who is asking: staff sessions (Flask-Login) for pages, bearer tokens for devices.

Every route declares who may use it: staff pages and API endpoints name their roles,
visitor pages and the public API say `@public`; nothing is open by default. Pages send
anonymous visitors to the sign-in page and other roles get 403; the API answers 401 for
no or a bad credential and 403 for a role not allowed.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, g, request
from flask_login import current_user

from app.errors import DomainError
from app.extensions import csrf, db, login_manager
from app.staff import services
from app.staff.models import StaffMember
from flask_babel import lazy_gettext as _l

login_manager.login_view = "staff.login"
login_manager.login_message = _l("Please sign in to continue.")
# "basic", not "strong": a gate phone moving between venue Wi-Fi and mobile data changes
# its address, and "strong" would sign it out mid-shift.
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_member(session_id: str) -> StaffMember | None:
    """The signed-in member, if the account is active and the password unchanged since."""
    member_id, _, version = session_id.partition(":")
    if not member_id.isdigit():
        return None
    member = db.session.get(StaffMember, int(member_id))
    if member is None or not member.active or str(member.session_version) != version:
        return None
    return member


#: What `declared_access` answers for a route open to everyone.
PUBLIC = "public"


def public(view):
    """Declares a route open to everyone (visitor pages, the public API), as roles are declared."""
    view.public = True
    return view


def declared_access(app, endpoint: str) -> tuple[str, ...] | str | None:
    """The roles the endpoint's view allows, PUBLIC, or None when it declares nothing.

    Static files (the app's and each blueprint's static folder) are public."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = app.view_functions[endpoint]
    if getattr(view, "public", False):
        return PUBLIC
    return getattr(view, "allowed_roles", None)


def roles_required(*roles: str):
    """For pages: sign in first (redirect), then only these roles (403)."""
    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        guarded.allowed_roles = roles
        return guarded
    return decorator


def api_roles(*roles: str):
    """For the API: a bearer token, or the staff session plus an X-CSRFToken header."""
    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            require_api_role(*roles)
            return view(*args, **kwargs)
        guarded.allowed_roles = roles
        return guarded
    return decorator


def require_api_role(*roles: str) -> StaffMember:
    """The API caller, when one of `roles` (as g.staff); 401 or 403 otherwise. For routes whose
    staff part is optional, such as the leaderboard's ?live=1."""
    member = _api_caller()
    if member.role not in roles:
        raise DomainError("forbidden", _l("Your role is not allowed to do this."), status=403)
    g.staff = member
    return member


def _api_caller() -> StaffMember:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        member = services.authenticate_token(raw.strip()) if scheme.lower() == "bearer" else None
        if member is None:
            raise DomainError("unauthorized", _l("The API token is missing, wrong or revoked."),
                              status=401)
        return member
    if current_user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()  # a session cookie alone must not be enough to change anything
        return current_user._get_current_object()
    raise DomainError("unauthorized", _l("Sign in or send an API token."), status=401)
