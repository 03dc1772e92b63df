"""Languages: Chinese and English, chosen per visitor and kept in a cookie."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, url_for
from flask_babel import get_locale, refresh

from app.security import same_site_path
from app.staff.auth import public

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
LOCALE_COOKIE = "lang"

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """?lang= first, then (on pages) the visitor's cookie, then Accept-Language.

    The API follows Accept-Language, as the contract says, so a scanner or kiosk
    gets its own language whatever cookie a browser holds. Outside a request (the
    CLI, background work) messages are in English.
    """
    if not has_request_context():
        return "en"
    asked = request.args.get("lang")
    if asked in LOCALES:
        return asked
    if not request.path.startswith("/api/"):
        kept = request.cookies.get(LOCALE_COOKIE)
        if kept in LOCALES:
            return kept
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def current_locale() -> str:
    return str(get_locale() or DEFAULT_LOCALE)


def localized(text: dict | None, locale: str | None = None) -> str:
    """Pick one language from a {"zh", "en"} text, falling back to the other."""
    if not text:
        return ""
    locale = locale or current_locale()
    other = "en" if locale == "zh" else "zh"
    return text.get(locale) or text.get(other) or ""


def ordinal(n: int) -> str:
    """A place as a sentence holds it: "2nd", "3rd", "11th" in English; elsewhere the bare number
    (Chinese writes 第 2 名 around it)."""
    if current_locale() != "en":
        return str(n)
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _safe_target(target: str | None) -> str:
    """Only same-site paths: the switch must not become an open redirect."""
    if same_site_path(target):
        return target
    return url_for("public.home")


@bp.get("/lang/<code>")
@public
def switch(code: str):
    """Keep the visitor's language for a year and go back where they were."""
    response = redirect(_safe_target(request.args.get("next")))
    if code in LOCALES:
        # No script reads it: HttpOnly, like the session cookie.
        response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def init_app(app: Flask) -> None:
    # Flask-Babel caches the locale in `g`; an app context shared by several requests
    # (tests, Socket.IO handlers) must not carry one visitor's language to the next.
    app.before_request(refresh)
    app.register_blueprint(bp)
    app.jinja_env.filters["tr"] = localized
    app.jinja_env.filters["ordinal"] = ordinal
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["LOCALES"] = LOCALES
