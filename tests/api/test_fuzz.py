"""The API fuzzed from its own OpenAPI document, against a real `backlot serve`.

Schemathesis reads /api/v1/openapi.json from a seeded server on loopback and
generates valid and invalid requests for every operation in it, sent with the
token of the role the operation is for. Every answer must be no 5xx, a
documented status, the documented content type and a body of the documented
schema. The run is bounded and derandomized so CI repeats it; FUZZ_EXAMPLES
raises the budget for a longer hunt (e.g. FUZZ_EXAMPLES=300).

Rate limits stay on, as in production: their 429s are documented answers. Request lines
stay within gunicorn's limit (REQUEST_LINE_MAX).
"""
from __future__ import annotations

import os
import shutil

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from app.api.openapi import PATHS
from app.extensions import db
from app.staff.services import add_staff
from seed.loader import DEFAULT_PROGRAMME, load_programme
from tests.conftest import make_app
from tests.live import server_environment, serving

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
OPERATIONS = [operation["operationId"] for item in PATHS.values() for operation in item.values()]
MANAGE_KEY = "X-Manage-Key"
#: gunicorn answers a longer request line with its own HTML 400 before the app sees it (nginx in
#: front: 414): the HTTP server's limit, like the body cap, so cases stay within it.
REQUEST_LINE_MAX = 4094
#: Operations only these roles may use; every other one is sent with an admin's token.
ROLE_OF = {"submitStory": "kiosk", "suggest": "kiosk", "saveJuryScore": "jury", "listJuryScores": "jury"}


@pytest.fixture(scope="module")
def fuzz_server(sqlite_template, tmp_path_factory):
    """`backlot serve` on a database of its own with the demo programme, an admin, a kiosk and a
    juror (made in this process: quicker than the CLI): (base URL, token per role)."""
    instance = tmp_path_factory.mktemp("fuzz-instance")
    url = f"sqlite:///{instance / 'backlot.sqlite3'}"
    shutil.copyfile(sqlite_template, instance / "backlot.sqlite3")
    app = make_app(url, instance)
    with app.app_context():
        load_programme(DEFAULT_PROGRAMME)
        tokens = {role: add_staff(f"fuzz-{role}@example.org", role).token for role in ("admin", "kiosk", "jury")}
        db.engine.dispose()
    with serving(server_environment(instance, DATABASE_URL=url), instance / "server.log") as base_url:
        yield base_url, tokens


@pytest.fixture(scope="module")
def tickets(fuzz_server) -> dict[str, str]:
    """Real tickets (a visitor and two companions), checked in at the entrance today: {code:
    management key}."""
    base_url, tokens = fuzz_server
    answer = requests.post(f"{base_url}/api/v1/registrations", timeout=10, json={
        "name": "Fuzz Visitor", "email": "fuzz@example.org", "days": ["2026-06-14"], "locale": "en",
        "consent": True, "companions": [{"name": "Fuzz Friend"}, {"name": "Fuzz Child"}]})
    assert answer.status_code == 201, answer.text
    keys = {ticket["code"]: ticket["manage_key"] for ticket in [answer.json()["ticket"], *answer.json()["companions"]]}
    for code in keys:
        scan = requests.post(f"{base_url}/api/v1/checkins", timeout=10,
                             headers={"Authorization": f"Bearer {tokens['admin']}"},
                             json={"scan": code, "gate": "fuzz", "session_id": None})
        assert scan.json()["result"] == "ok", scan.text
    return keys


@pytest.fixture(scope="module")
def api_schema(fuzz_server):
    """The document as the running server serves it."""
    base_url, _ = fuzz_server
    config = schemathesis.Config.from_dict({"base-url": f"{base_url}/api/v1", "request-timeout": 10})
    return schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", config=config)


def with_ticket(case, ticket: tuple[str, str] | None):
    """The case with a real ticket's code (and management key) in place of the generated ones."""
    if ticket is not None:
        code, key = ticket
        for container in (case.path_parameters, case.query, case.body):
            if isinstance(container, dict):
                for name in ("code", "ticket_code"):
                    if name in container:
                        container[name] = code
        if case.headers and MANAGE_KEY in case.headers:
            case.headers[MANAGE_KEY] = key
    return case


def request_line(case) -> int:
    """The length of the case's request line (method, path with its query, version)."""
    sent = case.as_transport_kwargs()
    path = requests.Request(sent["method"], sent["url"], params=sent.get("params")).prepare().path_url
    return len(f"{sent['method']} {path} HTTP/1.1")


# One pytest test per operation, each a hypothesis test over the operation's strategy
# (schemathesis.pytest.from_fixture, the lazy loader, fails under pytest 9.2: no Function._nodeid).
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_every_operation_answers_as_documented(operation_id, api_schema, fuzz_server, tickets):
    _, tokens = fuzz_server
    operation = api_schema.find_operation_by_id(operation_id)
    auth = {"Authorization": f"Bearer {tokens[ROLE_OF.get(operation_id, 'admin')]}"}
    cases = st.one_of(*(operation.as_strategy(mode, headers=auth) for mode in GenerationMode))
    # Now and then a real ticket, so that ticket and vote operations get past 404.
    real = st.sampled_from([None, *tickets.items()])

    @given(case=st.builds(with_ticket, cases, real))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def answers_as_documented(case):
        assume(request_line(case) <= REQUEST_LINE_MAX)
        case.call_and_validate(checks=CHECKS)

    answers_as_documented()
