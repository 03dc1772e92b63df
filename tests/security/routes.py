"""Every URL rule of the app and method, with who may use it: generated from the URL map and
what each view declares (app.staff.auth.declared_access), never from a list kept here."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask
from werkzeug.routing import Rule

from app.staff.auth import PUBLIC, declared_access

#: Stands for a row that does not exist: requests that change things go there.
MISSING_ID = 999999
CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<options>[^)]*)\))?:)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Operation:
    rule: Rule
    method: str
    #: The roles allowed, PUBLIC, or None when the view declares nothing.
    access: tuple[str, ...] | str | None

    @property
    def is_api(self) -> bool:
        return self.rule.rule.startswith("/api/")

    @property
    def changes(self) -> bool:
        return self.method in CHANGES

    def allows(self, role: str | None) -> bool:
        return self.access == PUBLIC or role in (self.access or ())

    def path(self, rows: dict) -> str:
        """A URL of the rule: rows that exist for reading, rows that do not for changing (so that no
        request changes what the next one sees); the first choice of an `any(...)`."""
        def value(match: re.Match) -> str:
            if match["converter"] == "any":
                return match["options"].split(",")[0].strip()
            if self.changes or match["name"] not in rows:
                return str(MISSING_ID) if match["converter"] == "int" else "missing"
            return str(rows[match["name"]])
        return _ARGUMENT.sub(value, self.rule.rule)

    def openapi_path(self) -> str:
        """The rule as an OpenAPI path under /api/v1: `/tickets/{code}`."""
        return _ARGUMENT.sub(lambda match: "{%s}" % match["name"], self.rule.rule.removeprefix("/api/v1"))

    def __str__(self) -> str:
        return f"{self.method} {self.rule.rule}"


def operations(app: Flask) -> list[Operation]:
    """Every rule and method (HEAD and OPTIONS are Flask's own)."""
    return [Operation(rule, method, declared_access(app, rule.endpoint))
            for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
