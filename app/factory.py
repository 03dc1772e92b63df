"""create_app: the one place Backlot is wired together."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import clock, commands, config as app_config, i18n, inputs, security
from app import models  # noqa: F401  (the complete metadata, for migrations)
from app.db import configure_sqlite, watch_reconnects
from app.errors import register_error_handlers
from app.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
from app.ids import IdConverter
from app.realtime.queue import QueueManager

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping | None = None, *, environ: Mapping[str, str] = os.environ) -> Flask:
    """Build the app from the environment; `config` overrides it (tests use this)."""
    instance_path = Path(
        (config or {}).get("INSTANCE_PATH") or environ.get("BACKLOT_INSTANCE_PATH") or ROOT / "instance"
    )
    app = Flask(
        "app",
        root_path=str(ROOT / "app"),
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(
        BABEL_DEFAULT_LOCALE=i18n.DEFAULT_LOCALE,
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "app" / "translations"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        # CSRF tokens last as long as the staff session: a gate phone's scanner page stays
        # open through a whole shift.
        WTF_CSRF_TIME_LIMIT=None,
    )
    settings = dict(config or {})
    if "SQLALCHEMY_DATABASE_URI" in settings:
        settings["SQLALCHEMY_DATABASE_URI"] = app_config.database_url(
            settings["SQLALCHEMY_DATABASE_URI"], instance_path)
    app.config.update({**app_config.from_environment(instance_path, environ), **settings})
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                          app_config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    inputs.init_app(app)
    app.json.sort_keys = False
    app.url_map.converters["int"] = IdConverter  # before any route: every <int:...> is an id
    if app.config["BACKLOT_PROXY_HOPS"]:
        hops = app.config["BACKLOT_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        watch_reconnects(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale,
                   timezone_selector=lambda: clock.EVENT_TZ.key)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    queue = app.config["SOCKETIO_MESSAGE_QUEUE"]
    socketio.init_app(
        app,
        async_mode=app.config["BACKLOT_ASYNC_MODE"],
        message_queue=queue,
        # Always given: Flask-SocketIO would keep an earlier app's manager for a later one.
        client_manager=QueueManager(queue, channel=app.config["SOCKETIO_CHANNEL"]) if queue else None,
    )
    clock.install(app)
    i18n.init_app(app)
    register_error_handlers(app)
    security.init_app(app)
    commands.register(app)
    _register_blueprints(app)
    _register_template_context(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from app.api import bp as api_bp
    from app.challenge.console import bp as challenge_console_bp
    from app.challenge.jury_views import bp as jury_bp
    from app.challenge.show_console import bp as show_console_bp
    from app.challenge.vote_views import bp as vote_bp
    from app.challenge.views import bp as stories_bp
    from app.checkin.console import bp as attendance_bp
    from app.checkin.scanner import bp as scanner_bp
    from app.realtime import namespaces
    from app.schedule.console import bp as console_bp
    from app.schedule.views import bp as public_bp
    from app.staff.views import bp as staff_bp
    from app.tickets.views import bp as tickets_bp
    from app.tickets.console import bp as attendees_bp
    from app.tickets.notices_console import bp as notices_bp
    from kiosk import bp as screens_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(attendees_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(scanner_bp)
    app.register_blueprint(stories_bp)
    app.register_blueprint(challenge_console_bp)
    app.register_blueprint(show_console_bp)
    app.register_blueprint(vote_bp)
    app.register_blueprint(jury_bp)
    app.register_blueprint(screens_bp)
    # Devices and scripts authenticate with bearer tokens; app.staff.auth.api_roles asks a
    # session-cookie caller for the CSRF token itself.
    csrf.exempt(api_bp)
    namespaces.register()


def _register_template_context(app: Flask) -> None:
    from app.tickets import formatting as ticket_formatting

    ticket_formatting.register(app)

    @app.context_processor
    def _globals():
        return {"demo_clock": clock.is_demo_clock(), "clock_now": clock.local(clock.now())}
