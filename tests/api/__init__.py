"""API tests, and a check of bodies against the served OpenAPI document."""
from __future__ import annotations

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:backlot:openapi"


def _strict(node):
    """The document with every object schema closed, so an undocumented field fails."""
    if isinstance(node, dict):
        node = {key: _strict(value) for key, value in node.items()}
        if "properties" in node:
            node.setdefault("additionalProperties", False)
        return node
    if isinstance(node, list):
        return [_strict(item) for item in node]
    return node


def assert_valid(document: dict, schema: str, instance) -> None:
    """Raise jsonschema's ValidationError unless `instance` is a components.schemas[schema]."""
    resource = Resource.from_contents(_strict(document), default_specification=DRAFT202012)
    validator = Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#/components/schemas/{schema}"},
        registry=Registry().with_resource(DOCUMENT_URI, resource),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(instance)
