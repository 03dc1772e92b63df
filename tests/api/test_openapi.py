"""The OpenAPI document stays true to the routes and to real responses."""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from tests.api import assert_valid

PREFIX = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def api_routes(app) -> dict[str, set[str]]:
    """{OpenAPI path: methods} of every /api/v1 rule, <int:x> written as {x}."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
            methods = {method.lower() for method in rule.methods} - {"head", "options"}
            routes.setdefault(path, set()).update(methods)
    return routes


def refs(node):
    """Every $ref in the document."""
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


@pytest.fixture
def document(client) -> dict:
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_document_is_openapi_31_with_the_shared_components(document):
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"] == [{"url": PREFIX}]
    assert {"LocalizedText", "Error", "Schedule", "Session", "Day", "Venue"} <= \
        set(document["components"]["schemas"])
    bearer = document["components"]["securitySchemes"]["bearerAuth"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")


def test_every_route_is_documented_with_its_methods_and_nothing_else(app, document):
    documented = {path: set(item) & HTTP_METHODS for path, item in document["paths"].items()}

    assert documented == api_routes(app)


def test_every_schema_is_valid_json_schema(document):
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_reference_resolves(document):
    for ref in set(refs(document)):
        node = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, f"{ref} does not resolve"
            node = node[part]


def test_the_seeded_programme_validates_against_the_document(client, programme, document):
    response = client.get(f"{PREFIX}/schedule")

    assert response.status_code == 200
    assert response.get_json()["sessions"]
    assert_valid(document, "Schedule", response.get_json())
