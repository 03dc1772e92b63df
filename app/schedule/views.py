"""Public pages: home, schedule, session detail, films."""
from flask import Blueprint, render_template

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("base.html")
