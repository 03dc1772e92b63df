"""What a request brings, screened before any view: JSON nested no deeper than MAX_DEPTH, and
no text a database cannot store (a null character) or that arrived garbled (not UTF-8).

Either is the visitor's error, never a 500: a 400 `bad_json`, or a 422 naming each field.
"""
from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from app import text
from app.errors import DomainError, ValidationFailed

#: No Backlot body needs more than a few levels; 5,000 nested [ used to end in a RecursionError.
MAX_DEPTH = 32

_UNREADABLE = {
    "nul": _l("Must not contain a null character."),
    "not_utf8": _l("This text is not valid UTF-8."),
}


class TooDeep(ValueError):
    """JSON nested deeper than MAX_DEPTH."""


def depth(value) -> int:
    """How deeply lists and objects nest in `value` (a scalar is 0), without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            pending.extend((child, level + 1) for child in children)
    return deepest


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing bodies nested deeper than MAX_DEPTH with TooDeep (a ValueError, so
    `request.get_json(silent=True)` answers None for them as for any bad JSON)."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise TooDeep(MAX_DEPTH) from None
        if depth(value) > MAX_DEPTH:
            raise TooDeep(MAX_DEPTH)
        return value


def _json_problem():
    """Why the body is not a JSON object, in words for the caller."""
    if request.is_json:
        try:
            current_app.json.loads(request.get_data())
        except TooDeep:
            return _l("This JSON is nested too deeply (at most %(limit)d levels).", limit=MAX_DEPTH)
        except ValueError:
            return _l("The body is not valid JSON in UTF-8.")
    return _l("Send a JSON object with Content-Type: application/json.")


def json_object() -> dict:
    """The request's JSON object, or 400 bad_json saying what is wrong with the body."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError("bad_json", _json_problem(), status=400)
    return body


def optional_json_object() -> dict:
    """The request's JSON object, {} when it has no body; a body that is not one is a 400 bad_json."""
    return json_object() if request.content_length else {}


def unreadable_fields(value, path: str = "") -> dict:
    """Messages keyed by dotted path for every text in `value` (JSON) a database cannot take."""
    found, pending = {}, [(path, value)]
    while pending:
        where, item = pending.pop()
        if isinstance(item, str):
            if (reason := text.unreadable(item)) is not None:
                found[where] = _UNREADABLE[reason]
        elif isinstance(item, dict):
            pending.extend((f"{where}.{key}" if where else str(key), child) for key, child in item.items())
        elif isinstance(item, list):
            pending.extend((f"{where}.{index}" if where else str(index), child) for index, child in enumerate(item))
    return found


def _multi_fields(values) -> dict:
    """unreadable_fields of a query string or a form (a key may come more than once)."""
    found = {}
    for key, value in values.items(multi=True):
        found.update(unreadable_fields(value, key))
    return found


def undecodable_form_fields(raw: bytes) -> dict:
    """Messages by field name for the fields of an urlencoded form body that are not UTF-8
    (werkzeug would keep their bytes as %XX text, and the name would show as "%FF%FE")."""
    found = {}
    for pair in raw.split(b"&"):
        try:
            unquote_to_bytes(pair.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            name = unquote_to_bytes(pair.partition(b"=")[0]).decode("utf-8", "replace")
            found[name] = _UNREADABLE["not_utf8"]
    return found


def _refuse_cut_body(data: bytes) -> None:
    """413 for a body sent without Content-Length (chunked) that reaches the size cap: werkzeug
    hands over its first MAX_CONTENT_LENGTH bytes, silently, and the rest would go unread."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is None and limit is not None and len(data) >= limit:
        raise RequestEntityTooLarge()


def screen_request() -> None:
    """Before every view: refuse unreadable text in the path, the query, a form or a JSON body."""
    if request.is_json or request.mimetype == "application/x-www-form-urlencoded":
        _refuse_cut_body(request.get_data(parse_form_data=False))  # kept: the JSON or form is parsed from it
    fields = {**unreadable_fields(request.view_args or {}), **_multi_fields(request.args)}
    if request.is_json:
        fields.update(unreadable_fields(request.get_json(silent=True)))
    elif request.mimetype == "application/x-www-form-urlencoded":
        fields.update(undecodable_form_fields(request.get_data(parse_form_data=False)))
        fields.update(_multi_fields(request.form))
    elif request.mimetype == "multipart/form-data":
        fields.update(_multi_fields(request.form))
    if fields:
        raise ValidationFailed(dict(sorted(fields.items())))


def init_app(app: Flask) -> None:
    """JSON with the depth limit (app.json), and every request screened."""
    app.json = JSONProvider(app)
    app.before_request(screen_request)
