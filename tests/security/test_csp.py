"""A Content-Security-Policy without inline script, and pages that need none: every HTML answer of
the walk (each GET route, as the visitor and as each role) is checked."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.security.test_access import CALLERS

#: Script types a browser runs; other <script> elements are data (JSON the page's own script reads).
RUNNABLE = {"", "text/javascript", "application/javascript", "module"}
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "data:", "*")


class InlineScript(HTMLParser):
    """Collects inline script bodies, on*= handlers and javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            elif name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            attributes = dict(attrs)
            self._in_script = "src" not in attributes and (attributes.get("type") or "").lower() in RUNNABLE

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}…</script>")


def script_sources(policy: str) -> list[str]:
    """The sources scripts may come from: script-src, else default-src."""
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    return directives.get("script-src", directives.get("default-src"))


@pytest.mark.parametrize("name", [name for name in CALLERS if "token" not in name])
def test_pages_run_only_script_files(answers, name):
    pages, wrong = 0, []
    for operation, response in answers[name]:
        if operation.method != "GET" or response.mimetype != "text/html":
            continue
        pages += 1
        sources = script_sources(response.headers.get("Content-Security-Policy", ""))
        if sources is None or any(source in UNSAFE for source in sources):
            wrong.append(f"{operation}: script sources {sources}")
        parser = InlineScript()
        parser.feed(response.get_data(as_text=True))
        wrong += [f"{operation}: {found}" for found in parser.found]
    assert not wrong, f"{name}:\n" + "\n".join(wrong)
    assert pages >= 5
