"""The /api/v1 JSON API: thin views over the domain services."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import challenge, checkins, gates, openapi, schedule, staff, tickets, voting  # noqa: E402,F401  (registers the routes)
