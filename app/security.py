"""Security headers on every response: a strict CSP (scripts only from our own files); where
a redirect may go."""
from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

from flask import Flask, Response

_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self' ws: wss:",
    "font-src 'self'",
    "worker-src 'self'",  # the ticket's offline copy (static/js/ticket-sw.js)
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


#: What a same-site path must not hold besides "//": a backslash or control characters (browsers
#: drop tabs and newlines, so "/\t/evil.example" would lead to //evil.example).
_UNSAFE_IN_PATH = re.compile(r"[\\\x00-\x1f\x7f]")


def same_site_path(target: str | None, prefix: str = "/") -> bool:
    """Whether a ?next= target is a path of this site under `prefix` (not an open redirect)."""
    return bool(target) and target.startswith(prefix) and "//" not in target \
        and not _UNSAFE_IN_PATH.search(target)


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", _CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    return response


class _StyleAttributes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.values.update(value for name, value in attrs if name == "style" and value)


def allow_style_attributes(response: Response, *documents: str) -> Response:
    """Let the style="" attributes of these documents (mails, as a preview frame shows them) apply
    on this one answer: each exact value by its hash ('unsafe-hashes'), nothing else inline.

    A srcdoc frame takes its page's policy, and mail clients need inline styles."""
    parser = _StyleAttributes()
    for document in documents:
        parser.feed(document)
    hashes = sorted(f"'sha256-{base64.b64encode(hashlib.sha256(value.encode()).digest()).decode()}'"
                    for value in parser.values)
    if hashes:
        response.headers["Content-Security-Policy"] = f"{_CSP}; style-src-attr 'unsafe-hashes' {' '.join(hashes)}"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)
