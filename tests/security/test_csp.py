"""A Content-Security-Policy without inline script (or style), and pages that need none: every HTML
answer of the walk (each GET route, as the visitor and as each role) is checked."""
from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser

import pytest
from flask import Response

from app.security import allow_style_attributes
from tests.security.conftest import CALLERS

#: Script types a browser runs; other <script> elements are data (JSON the page's own script reads).
RUNNABLE = {"", "text/javascript", "application/javascript", "module"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction"}
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "data:", "*")


class Inline(HTMLParser):
    """Collects inline script bodies, on*= handlers, javascript: URLs and inline styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._inside: str | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=…>")
            elif name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        attributes = dict(attrs)
        if tag == "style" or (tag == "script" and "src" not in attributes
                              and (attributes.get("type") or "").lower() in RUNNABLE):
            self._inside = tag

    def handle_endtag(self, tag):
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data):
        if self._inside and data.strip():
            self.found.append(f"<{self._inside}>{data.strip()[:60]}…</{self._inside}>")


def sources(policy: str, kind: str) -> list[str] | None:
    """The sources `kind` ("script", "style") may come from: its -src directive, else default-src."""
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    return directives.get(f"{kind}-src", directives.get("default-src"))


def problems(response) -> list[str]:
    """What in an HTML answer needs inline script or style, or lets it run."""
    found = []
    for kind in ("script", "style"):
        allowed = sources(response.headers.get("Content-Security-Policy", ""), kind)
        if allowed is None or any(source in UNSAFE for source in allowed):
            found.append(f"{kind} sources {allowed}")
    parser = Inline()
    parser.feed(response.get_data(as_text=True))
    return found + parser.found


@pytest.mark.parametrize("name", [name for name in CALLERS if "token" not in name])
def test_pages_use_only_script_and_style_files(answers, name):
    pages = [(operation, response) for operation, response in answers[name]
             if operation.method == "GET" and response.mimetype == "text/html"]
    wrong = [f"{operation}: {problem}" for operation, response in pages for problem in problems(response)]
    assert not wrong, f"{name}:\n" + "\n".join(wrong)
    assert len(pages) >= 5


def test_the_ticket_management_page_too(site):
    """The ticket page opened with its management link (?key=) shows the cancel forms."""
    response = site.open(site.visitor, site.manage_path)
    assert response.status_code == 200 and "/cancel" in response.get_data(as_text=True)
    assert problems(response) == []


def test_the_ticket_worker_is_allowed_for_ticket_pages_only(site):
    """The offline ticket's service worker: a script of our own (worker-src 'self'), its scope
    widened from /ticket-sw.js to /t/ and no further (staff pages are never under it)."""
    page = site.open(site.visitor, site.manage_path)
    assert sources(page.headers["Content-Security-Policy"], "worker") == ["'self'"]
    worker = site.open(site.visitor, "/ticket-sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/t/"


def test_a_mail_preview_allows_its_own_style_attributes_by_hash_and_nothing_else():
    """The notices' preview shows mails (inline styles) in a srcdoc frame, which takes the page's policy."""
    mail = '<body style="margin:0"><p style="color:#f2b53a">A &amp; B</p><p style="margin:0">C</p></body>'
    policy = allow_style_attributes(Response("page"), mail, mail).headers["Content-Security-Policy"]
    expected = sorted(f"'sha256-{base64.b64encode(hashlib.sha256(value.encode()).digest()).decode()}'"
                      for value in ("margin:0", "color:#f2b53a"))
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["style-src-attr"] == ["'unsafe-hashes'", *expected]
    assert sources(policy, "style") == ["'self'"] and sources(policy, "script") == ["'self'"]
    assert "'unsafe-inline'" not in policy
    assert "Content-Security-Policy" not in allow_style_attributes(Response("page"), "<p>plain</p>").headers
