"""The OpenAPI 3.1 document of /api/v1, written by hand and served at /api/v1/openapi.json.

tests/api/test_openapi.py keeps it true: every API route is in PATHS with its
methods (and nothing else is), and real responses validate against the schemas.
A new endpoint adds its path here, and its schemas to SCHEMAS.
"""
from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.checkin.models import RESULTS as SCAN_RESULTS
from app.schedule.models import SLOT_KINDS, SLOT_STATUSES
from app.staff.models import ROLES
from app.tickets.models import SEAT_STATUSES, TICKET_STATUSES


def ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


TIMESTAMP = {"type": "string", "format": "date-time",
             "description": "ISO 8601 with the offset, e.g. 2026-06-14T10:30:00+08:00."}
ID = {"type": "integer", "minimum": 1}
COUNT = {"type": "integer", "minimum": 0}

SCHEMAS = {
    "LocalizedText": {
        "type": "object",
        "description": "Text visitors read, in Chinese and English.",
        "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
        "required": ["zh", "en"],
    },
    "Error": {
        "type": "object",
        "properties": {"error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$",
                         "description": "Stable snake_case reason, e.g. not_found."},
                "message": {"type": "string",
                            "description": "Human text in the language of Accept-Language."},
                "fields": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "Only on 422: a message per dotted path, e.g. "
                                          "companions.0.name."},
            },
            "required": ["code", "message"],
        }},
        "required": ["error"],
    },
    "Event": {
        "type": "object",
        "properties": {"name": ref("schemas", "LocalizedText"),
                       "timezone": {"type": "string", "examples": ["Asia/Shanghai"]}},
        "required": ["name", "timezone"],
    },
    "Day": {
        "type": "object",
        "description": "An exhibition day and its entry places.",
        "properties": {"date": {"type": "string", "format": "date"},
                       "capacity": COUNT, "remaining": COUNT},
        "required": ["date", "capacity", "remaining"],
    },
    "Venue": {
        "type": "object",
        "properties": {"id": ID, "name": ref("schemas", "LocalizedText"),
                       "site": ref("schemas", "LocalizedText")},
        "required": ["id", "name", "site"],
    },
    "Session": {
        "type": "object",
        "description": "A programme session. `capacity` and `remaining` are null where no "
                       "registration is needed.",
        "properties": {
            "id": ID,
            "kind": {"type": "string", "enum": list(SLOT_KINDS)},
            "title": ref("schemas", "LocalizedText"),
            "venue_id": ID,
            "starts_at": TIMESTAMP,
            "ends_at": TIMESTAMP,
            "capacity": nullable(COUNT),
            "remaining": nullable(COUNT),
            "requires_registration": {"type": "boolean"},
            "status": {"type": "string", "enum": list(SLOT_STATUSES)},
            "description": ref("schemas", "LocalizedText"),
            "film_id": nullable(ID),
        },
        "required": ["id", "kind", "title", "venue_id", "starts_at", "ends_at", "capacity",
                     "remaining", "requires_registration", "status", "description", "film_id"],
    },
    "StaffMember": {
        "type": "object",
        "description": "A person or device working the exhibition.",
        "properties": {"id": ID, "email": {"type": "string"}, "name": {"type": "string"},
                       "role": {"type": "string", "enum": list(ROLES)}},
        "required": ["id", "email", "name", "role"],
    },
    "AuditEntry": {
        "type": "object",
        "properties": {
            "id": ID, "at": TIMESTAMP,
            "actor": nullable(ref("schemas", "StaffMember")),
            "action": {"type": "string", "examples": ["slot.create"]},
            "target_type": {"type": "string"}, "target_id": nullable(ID),
            "summary": {"type": "string"},
            "details": {"type": "object", "description": "What changed: {field: [old, new]}."},
        },
        "required": ["id", "at", "actor", "action", "target_type", "target_id", "summary", "details"],
    },
    "AuditLog": {
        "type": "object",
        "properties": {"entries": {"type": "array", "items": ref("schemas", "AuditEntry")}},
        "required": ["entries"],
    },
    "Ticket": {
        "type": "object",
        "description": "One person's ticket. `url` is what the QR code encodes.",
        "properties": {
            "code": {"type": "string", "minLength": 22},
            "url": {"type": "string", "format": "uri"},
            "qr_png": {"type": "string", "format": "uri"},
            "qr_svg": {"type": "string", "format": "uri"},
            "holder_name": {"type": "string"},
            "days": {"type": "array", "items": {"type": "string", "format": "date"}},
            "status": {"type": "string", "enum": list(TICKET_STATUSES)},
        },
        "required": ["code", "url", "qr_png", "qr_svg", "holder_name", "days", "status"],
    },
    "Seat": {
        "type": "object",
        "description": "A place in a session; `position` is the place in its waiting list "
                       "(1 = next), null unless waitlisted.",
        "properties": {"id": ID, "status": {"type": "string", "enum": list(SEAT_STATUSES)},
                       "position": nullable({"type": "integer", "minimum": 1})},
        "required": ["id", "status", "position"],
    },
    "TicketWithSessions": {
        "type": "object",
        "properties": {"ticket": ref("schemas", "Ticket"),
                       "sessions": {"type": "array", "items": ref("schemas", "Seat")}},
        "required": ["ticket", "sessions"],
    },
    "RegistrationRequest": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 100},
            "email": {"type": "string", "format": "email"},
            "days": {"type": "array", "items": {"type": "string", "format": "date"}, "minItems": 1},
            "sessions": {"type": "array", "items": ID},
            "locale": {"type": "string", "enum": ["zh", "en"]},
            "consent": {"type": "boolean", "const": True},
            "companions": {"type": "array", "maxItems": 5, "items": {
                "type": "object", "properties": {"name": {"type": "string", "maxLength": 100}},
                "required": ["name"]}},
        },
        "required": ["name", "email", "days", "consent"],
    },
    "Registration": {
        "type": "object",
        "properties": {"ticket": ref("schemas", "Ticket"),
                       "sessions": {"type": "array", "items": ref("schemas", "Seat")},
                       "companions": {"type": "array", "items": ref("schemas", "Ticket")}},
        "required": ["ticket", "sessions", "companions"],
    },
    "ScanRequest": {
        "type": "object",
        "properties": {
            "scan": {"type": "string", "description": "What the scanner read: the ticket URL or the bare code."},
            "gate": {"type": "string", "maxLength": 60},
            "session_id": nullable(ID),
            "direction": {"type": "string", "enum": ["in", "out"], "default": "in"},
            "nonce": {"type": "string", "maxLength": 64,
                      "description": "Client-made; a re-sent scan with the same nonce gets the first answer."},
            "scanned_at": {"type": "string", "format": "date-time",
                           "description": "For scans made offline; decides the day and the order."},
        },
        "required": ["scan", "gate"],
    },
    "ScanAnswer": {
        "type": "object",
        "properties": {
            "result": {"type": "string", "enum": list(SCAN_RESULTS)},
            "attendee": nullable({"type": "object", "properties": {"name": {"type": "string"}},
                                  "required": ["name"]}),
            "checked_in_at": nullable(TIMESTAMP),
            "first_checked_in_at": nullable(TIMESTAMP),
            "first_gate": nullable({"type": "string"}),
        },
        "required": ["result", "attendee", "checked_in_at", "first_checked_in_at", "first_gate"],
    },
    "Schedule": {
        "type": "object",
        "properties": {
            "event": ref("schemas", "Event"),
            "days": {"type": "array", "items": ref("schemas", "Day")},
            "venues": {"type": "array", "items": ref("schemas", "Venue")},
            "sessions": {"type": "array", "items": ref("schemas", "Session")},
        },
        "required": ["event", "days", "venues", "sessions"],
    },
}

PARAMETERS = {
    "Day": {"name": "day", "in": "query", "description": "Only sessions on this exhibition day.",
            "schema": {"type": "string", "format": "date"}},
    "VenueId": {"name": "venue_id", "in": "query", "description": "Only sessions in this venue.",
                "schema": ID},
    "Kind": {"name": "kind", "in": "query", "description": "Only sessions of this kind.",
             "schema": {"type": "string", "enum": list(SLOT_KINDS)}},
    "Lang": {"name": "lang", "in": "query",
             "description": "Language of visitors' text; overrides Accept-Language.",
             "schema": {"type": "string", "enum": ["zh", "en"]}},
    "AcceptLanguage": {"name": "Accept-Language", "in": "header",
                       "description": "zh or en; chooses the language of messages (default zh).",
                       "schema": {"type": "string"}},
}


def error_response(description: str) -> dict:
    return {"description": description, "content": json_content(ref("schemas", "Error"))}


RESPONSES = {
    "Unauthorized": error_response("No credential, or a wrong or revoked one."),
    "Forbidden": error_response("The credential's role is not allowed here."),
    "ValidationFailed": error_response(
        "A bad value; `fields` says which, keyed by dotted path."),
    "NoProgramme": error_response("The programme has not been loaded yet (no_programme)."),
    "NotFound": error_response("No such ticket, or no place of it in that session."),
}

SCHEDULE_FILTERS = [ref("parameters", name) for name in ("Day", "VenueId", "Kind")]

CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
        "description": "The ticket code (the secret the QR carries)."}

STAFF_AUTH = {"security": [{"bearerAuth": []}],
              "description": "A bearer token, or the staff session cookie (with X-CSRFToken on "
                             "changes)."}

PATHS = {
    "/openapi.json": {"get": {
        "summary": "This document",
        "operationId": "getOpenApi",
        "tags": ["meta"],
        "responses": {"200": {"description": "The OpenAPI document.",
                              "content": json_content({"type": "object"})}},
    }},
    "/schedule": {"get": {
        "summary": "The programme: days, venues and sessions",
        "description": "Filters narrow `sessions`; `days` and `venues` always list the whole "
                       "programme. Cancelled sessions stay, with `status: cancelled`.",
        "operationId": "getSchedule",
        "tags": ["schedule"],
        "parameters": [*SCHEDULE_FILTERS, ref("parameters", "AcceptLanguage")],
        "responses": {
            "200": {"description": "The schedule.",
                    "content": json_content(ref("schemas", "Schedule"))},
            "422": ref("responses", "ValidationFailed"),
            "503": ref("responses", "NoProgramme"),
        },
    }},
    "/schedule.ics": {"get": {
        "summary": "The programme as iCalendar",
        "description": "One VEVENT per session that is not cancelled, with a stable UID "
                       "(slot-<id>@backlot). Visitors' text is in ?lang, else Accept-Language, "
                       "else Chinese.",
        "operationId": "getScheduleCalendar",
        "tags": ["schedule"],
        "parameters": [*SCHEDULE_FILTERS, ref("parameters", "Lang"),
                       ref("parameters", "AcceptLanguage")],
        "responses": {
            "200": {"description": "An iCalendar file.",
                    "content": {"text/calendar": {"schema": {"type": "string"}}}},
            "422": ref("responses", "ValidationFailed"),
            "503": ref("responses", "NoProgramme"),
        },
    }},
    "/registrations": {"post": {
        "summary": "Register a visitor and up to five companions",
        "description": "Each person gets a ticket. A full session is not an error: that "
                       "person is waitlisted with a position. A full day is 409 day_full; "
                       "more than six tickets a day for one email is 409 too_many_tickets; "
                       "a session on a day not chosen is 422.",
        "operationId": "createRegistration",
        "tags": ["tickets"],
        "parameters": [ref("parameters", "AcceptLanguage")],
        "requestBody": {"required": True, "content": json_content(ref("schemas", "RegistrationRequest"))},
        "responses": {
            "201": {"description": "Registered.", "content": json_content(ref("schemas", "Registration"))},
            "400": error_response("Not a JSON object."),
            "409": error_response("day_full or too_many_tickets."),
            "422": ref("responses", "ValidationFailed"),
            "429": error_response("Too many registrations from this address for this email."),
        },
    }},
    "/tickets/{code}": {
        "get": {
            "summary": "A ticket and its sessions",
            "operationId": "getTicket",
            "tags": ["tickets"],
            "parameters": [CODE],
            "responses": {"200": {"description": "The ticket.",
                                  "content": json_content(ref("schemas", "TicketWithSessions"))},
                          "404": ref("responses", "NotFound")},
        },
        "delete": {
            "summary": "Cancel the whole ticket (its places go back at once)",
            "operationId": "cancelTicket",
            "tags": ["tickets"],
            "parameters": [CODE],
            "responses": {"204": {"description": "Cancelled (repeating is harmless)."},
                          "404": ref("responses", "NotFound")},
        },
    },
    "/tickets/{code}/sessions/{session_id}": {"delete": {
        "summary": "Give back a session place, or leave its waiting list",
        "description": "A confirmed seat goes at once to the first on the waiting list.",
        "operationId": "cancelSeat",
        "tags": ["tickets"],
        "parameters": [CODE, {"name": "session_id", "in": "path", "required": True, "schema": ID}],
        "responses": {"204": {"description": "Given back (repeating is harmless)."},
                      "404": ref("responses", "NotFound"),
                      "409": error_response("session_started: the session has begun.")},
    }},
    "/checkins": {"post": {
        **STAFF_AUTH,
        "summary": "Answer one scan at a gate (role gate or admin)",
        "description": "One entry gives exactly one `ok` however many gates scan the ticket at "
                       "once; it enters again only after an exit scan.",
        "operationId": "checkIn",
        "tags": ["checkin"],
        "parameters": [ref("parameters", "AcceptLanguage")],
        "requestBody": {"required": True, "content": json_content(ref("schemas", "ScanRequest"))},
        "responses": {"200": {"description": "The answer (also for refusals such as unknown_ticket).",
                              "content": json_content(ref("schemas", "ScanAnswer"))},
                      "401": ref("responses", "Unauthorized"), "403": ref("responses", "Forbidden"),
                      "422": ref("responses", "ValidationFailed")},
    }},
    "/checkins/offline": {"get": {
        **STAFF_AUTH,
        "summary": "The offline pack of a day for gate phones (role gate or admin)",
        "description": "Ticket codes are never sent in clear: each is sha256(salt + code), hex, with a "
                       "salt fixed per day. `sessions` maps a session id (sessions that need a seat) to "
                       "the hashes of its confirmed seats.",
        "operationId": "getOfflinePack",
        "tags": ["checkin"],
        "parameters": [ref("parameters", "AcceptLanguage"),
                       {"name": "day", "in": "query", "required": True,
                        "schema": {"type": "string", "format": "date"}}],
        "responses": {"200": {"description": "The pack.", "content": json_content({
                          "type": "object", "required": ["day", "salt", "entries", "sessions"],
                          "properties": {
                              "day": {"type": "string", "format": "date"},
                              "salt": {"type": "string"},
                              "now": {"type": "string", "format": "date-time"},
                              "entries": {"type": "array", "items": {"type": "string"}},
                              "sessions": {"type": "object",
                                           "additionalProperties": {"type": "array",
                                                                    "items": {"type": "string"}}}}})},
                      "401": ref("responses", "Unauthorized"), "403": ref("responses", "Forbidden"),
                      "422": ref("responses", "ValidationFailed")},
    }},
    "/staff/me": {"get": {
        **STAFF_AUTH,
        "summary": "The account behind the credential (any staff role)",
        "operationId": "getMe",
        "tags": ["staff"],
        "responses": {"200": {"description": "The account.",
                              "content": json_content(ref("schemas", "StaffMember"))},
                      "401": ref("responses", "Unauthorized")},
    }},
    "/audit": {"get": {
        **STAFF_AUTH,
        "summary": "The audit log, newest first (admin)",
        "operationId": "getAuditLog",
        "tags": ["staff"],
        "parameters": [
            {"name": "actor_id", "in": "query", "schema": ID},
            {"name": "action", "in": "query", "description": "A prefix such as slot.",
             "schema": {"type": "string"}},
            {"name": "day", "in": "query", "schema": {"type": "string", "format": "date"}},
        ],
        "responses": {"200": {"description": "Entries.", "content": json_content(ref("schemas", "AuditLog"))},
                      "401": ref("responses", "Unauthorized"), "403": ref("responses", "Forbidden"),
                      "422": ref("responses", "ValidationFailed")},
    }},
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Backlot API",
        "version": "1",
        "description": "The JSON API of Backlot, which runs AI BACKLOT, the SIFF public "
                       "exhibition. Errors have the body of the Error schema, with a "
                       "message in the language of Accept-Language (zh or en).",
    },
    "servers": [{"url": "/api/v1"}],
    "tags": [{"name": "schedule"}, {"name": "tickets"}, {"name": "checkin"}, {"name": "staff"}, {"name": "meta"}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "parameters": PARAMETERS,
        "responses": RESPONSES,
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "The API token `backlot staff add` prints."},
        },
    },
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(DOCUMENT)
