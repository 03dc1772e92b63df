"""Schedule endpoints."""
from flask import jsonify

from app.api import bp
from app.schedule import services


@bp.get("/schedule")
def schedule():
    exhibition = services.get_exhibition()
    return jsonify({"event": {"name": exhibition.name, "timezone": exhibition.timezone}})
