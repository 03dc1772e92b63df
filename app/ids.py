"""Row ids as requests carry them: whole numbers within the database's integer range.

Ids are 32-bit integers on PostgreSQL (and 64-bit on SQLite): a larger number in a
URL, query or body can name no row, and handed to the database it is an error, not
an answer. Every <int:...> route, and every id an API request brings, goes through here first.
"""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


def is_id(value) -> bool:
    """A whole number (not a bool) that can be a row's id."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def parse_id(text: str) -> int:
    """An id from a query string, for `request.args.get(name, type=parse_id)`; ValueError otherwise."""
    value = int(text)
    if not is_id(value):
        raise ValueError(f"not an id: {text!r}")
    return value


class IdConverter(IntegerConverter):
    """`<int:...>` in every URL: a number past the id range matches no route (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
