import os
if os.environ.get("FLOOR_DATABASE_URL"):  # served (gunicorn): patched first, as app/wsgi.py does
    import eventlet
    eventlet.monkey_patch()

# The stack's floor for check-in, which bench/checkin.py measures Backlot against: Flask +
# Flask-SQLAlchemy doing one indexed SELECT and one conditional UPDATE per scan, with the same
# SQLite settings as app/db.py (WAL, busy timeout, synchronous=NORMAL), served the same way as
# `backlot serve` (gunicorn, one eventlet worker, --worker-connections 10000). Nothing else: no
# sign-in, no log of scans, no i18n, no security headers.
#
#   POST /checkin {"scan": code} -> {"result": "ok" | "already_checked_in" | "unknown_ticket"}
#
# FLOOR_DATABASE_URL names the database of the served app; prepare() makes its table and tickets.
from flask import Flask, jsonify, request  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from sqlalchemy import Boolean, String, event, select, update  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column  # noqa: E402


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class FloorTicket(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    inside: Mapped[bool] = mapped_column(Boolean, default=False)


def create_app(url: str) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            @event.listens_for(db.engine, "connect")
            def _pragmas(connection, _record):
                for pragma in ("journal_mode=WAL", "busy_timeout=15000", "synchronous=NORMAL"):
                    connection.execute(f"PRAGMA {pragma}")

    @app.post("/checkin")
    def check_in():
        code = request.get_json()["scan"]
        ticket_id = db.session.scalar(select(FloorTicket.id).where(FloorTicket.code == code))
        if ticket_id is None:
            return jsonify(result="unknown_ticket")
        flipped = db.session.execute(update(FloorTicket).where(FloorTicket.id == ticket_id,
                                                               FloorTicket.inside.is_(False))
                                     .values(inside=True)).rowcount
        db.session.commit()
        return jsonify(result="ok" if flipped else "already_checked_in")

    @app.get("/")
    def ready():
        return "ok"

    return app


def prepare(url: str, codes: list[str]) -> None:
    """The floor's table with these tickets, none inside."""
    app = create_app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add_all(FloorTicket(code=code) for code in codes)
        db.session.commit()
        db.engine.dispose()


if os.environ.get("FLOOR_DATABASE_URL"):
    application = create_app(os.environ["FLOOR_DATABASE_URL"])
