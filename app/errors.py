"""Refusals and errors: DomainError, and how the edge shows them (JSON or a page).

Every API error has the contract's body
`{"error": {"code", "message", "fields"}}`, with `message` in the language of
Accept-Language (or the visitor's chosen one); pages show the same message.
"""
from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from app.db import database_outage
from app.outages import first_line


class DomainError(Exception):
    """A refusal with a stable snake_case reason that tests and clients rely on."""

    status = 400

    def __init__(self, code: str, message, *, status: int | None = None,
                 fields: dict | None = None):
        super().__init__(code)
        self.code = code
        self.message = message
        self.fields = fields
        if status is not None:
            self.status = status


class ValidationFailed(DomainError):
    """Bad input: 422 with per-field messages keyed by dotted path."""

    status = 422

    def __init__(self, fields: dict, message=_l("Some fields need attention.")):
        super().__init__("validation_failed", message, fields=fields)


#: Messages for plain HTTP errors, keyed by status.
_HTTP_MESSAGES = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Please sign in.")),
    403: ("forbidden", _l("You are not allowed to do this.")),
    404: ("not_found", _l("Not found.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("This conflicts with the current state.")),
    413: ("too_large", _l("The request is too large.")),
    415: ("unsupported_media_type", _l("Send JSON with Content-Type: application/json.")),
    422: ("validation_failed", _l("Some fields need attention.")),
    429: ("rate_limited", _l("Too many requests. Please wait a moment and try again.")),
    500: ("internal_error", _l("Something went wrong on our side. Please try again.")),
}
#: Any other HTTP error (such as 416 on a static file): werkzeug's own descriptions are English only.
_OTHER_HTTP_ERROR = ("error", _l("This request could not be completed."))


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_body(code: str, message, fields: dict | None = None) -> dict:
    error = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = {path: str(text) for path, text in fields.items()}
    return {"error": error}


def _respond(status: int, code: str, message, fields: dict | None = None) -> Response:
    if wants_json():
        response = jsonify(error_body(code, message, fields))
    else:
        response = Response(
            render_template("error.html", status=status, code=code, message=str(message),
                            fields=fields or {}),
            mimetype="text/html",
        )
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        response = _respond(error.status, error.code, error.message, error.fields)
        if error.status == 401 and wants_json():
            response.headers["WWW-Authenticate"] = 'Bearer realm="backlot"'
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return _respond(400, "csrf_failed", _l("This form has expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code, message = _HTTP_MESSAGES.get(error.code or 500, _OTHER_HTTP_ERROR)
        response = _respond(error.code or 500, code, message)
        if error.code == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(error: DBAPIError):
        """The database is down or gone away: 503, logged once per outage; pool_pre_ping and the
        pool's invalidation on disconnect make the requests after it succeed by themselves."""
        database_outage.failed(first_line(error))
        response = _respond(503, "unavailable",
                            _l("The service is briefly unavailable. Please try again in a moment."))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, *_HTTP_MESSAGES[500])
