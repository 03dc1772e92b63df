"""The OpenAPI 3.1 document of /api/v1, written by hand and served at /api/v1/openapi.json.

tests/api/test_openapi.py keeps it true: every API route is in PATHS with its
methods (and nothing else is), and real responses validate against the schemas.
A new endpoint adds its path here, and its schemas to SCHEMAS.
"""
from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.challenge import jury
from app.challenge import rules as story_rules
from app.challenge.cowriter import KINDS as SUGGESTION_KINDS
from app.challenge.models import DISPLAY_MODES, STORY_STATUSES
from app.challenge.screens import MESSAGE_MAX as PAUSE_MESSAGE_MAX
from app.checkin.gates import REASON_MAX as GATE_REASON_MAX
from app.checkin.models import RESULTS as SCAN_RESULTS
from app.checkin.rules import SCANNED_AT_LEAD
from app.ids import MAX_ID
from app.schedule.models import SLOT_KINDS, SLOT_STATUSES
from app.staff.models import ROLES
from app.tickets.models import SEAT_STATUSES, TICKET_STATUSES
from app.staff.auth import public


def ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


TIMESTAMP = {"type": "string", "format": "date-time",
             "description": "ISO 8601 with the offset, e.g. 2026-06-14T10:30:00+08:00."}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
COUNT = {"type": "integer", "minimum": 0}
LOCALE = {"type": "string", "enum": ["zh", "en"]}
VOTES_PER_TICKET = {"type": "integer", "minimum": 1, "maximum": 20}
BEAT_COUNT = {"type": "integer", "minimum": story_rules.BEATS_MIN, "maximum": story_rules.BEATS_MAX}
DISPLAY_MODE = {"type": "string", "enum": list(DISPLAY_MODES)}

#: A story as public screens show it; the staff story adds moderation fields to these.
STORY_PROPERTIES = {
    "id": ID,
    "round_id": ID,
    "status": {"type": "string", "enum": list(STORY_STATUSES)},
    "title": {"type": "string"},
    "logline": {"type": "string"},
    "beats": {"type": "array", "items": {"type": "string"}},
    "author": {"type": "string"},
    "locale": LOCALE,
    "frames": {"type": "array", "description": "Per beat: the drawn frame's URL (a PNG), or null.",
               "items": nullable({"type": "string", "format": "uri-reference"})},
    "created_at": TIMESTAMP,
    "approved_at": nullable({**TIMESTAMP, "description": "When it was first approved (kept if withdrawn)."}),
}
STAFF_STORY_PROPERTIES = {
    **STORY_PROPERTIES,
    "flagged": {"type": "boolean", "description": "The automatic screen found terms to check."},
    "flagged_terms": {"type": "array", "items": {"type": "string"}},
    "reason": nullable({"type": "string", "description": "The moderator's note."}),
    "has_ticket": {"type": "boolean", "description": "The visitor gave a ticket code."},
    "kiosk_id": nullable(ID),
    "moderated_by_id": nullable(ID),
    "moderated_at": nullable(TIMESTAMP),
}
#: A ticket as anyone with its code sees it; the registration answer adds its management key.
TICKET_PROPERTIES = {
    "code": {"type": "string", "minLength": 22},
    "url": {"type": "string", "format": "uri"},
    "qr_png": {"type": "string", "format": "uri"},
    "qr_svg": {"type": "string", "format": "uri"},
    "holder_name": {"type": "string"},
    "days": {"type": "array", "items": {"type": "string", "format": "date"}},
    "status": {"type": "string", "enum": list(TICKET_STATUSES)},
}

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
            "booking_opens_at": {**nullable(TIMESTAMP), "description": "When booking opens; null: open "
                                 "already (or no registration needed)."},
            "booking_closes_at": {**nullable(TIMESTAMP), "description": "When booking closes (by default "
                                  "and at the latest at the start); null where no registration is needed."},
            "waitlist_closes_at": {**nullable(TIMESTAMP), "description": "After this a full session takes "
                                   "nobody on its waiting list (by default when booking closes)."},
            "bookable": {"type": "boolean", "description": "Whether a visitor can book it now (a place or "
                         "the waiting list); outside its window a registration is 422 on `sessions.N`."},
        },
        "required": ["id", "kind", "title", "venue_id", "starts_at", "ends_at", "capacity",
                     "remaining", "requires_registration", "status", "description", "film_id",
                     "booking_opens_at", "booking_closes_at", "waitlist_closes_at", "bookable"],
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
        "properties": TICKET_PROPERTIES,
        "required": list(TICKET_PROPERTIES),
    },
    "IssuedTicket": {
        "type": "object",
        "description": "A ticket as its registration answers it: with its management key, shown "
                       "only here and in the mails. `manage_url` is the ticket page with management "
                       "rights (never in the QR code); the key goes in X-Manage-Key to cancel.",
        "properties": {**TICKET_PROPERTIES,
                       "manage_key": {"type": "string", "minLength": 22},
                       "manage_url": {"type": "string", "format": "uri"}},
        "required": [*TICKET_PROPERTIES, "manage_key", "manage_url"],
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
        "properties": {"ticket": ref("schemas", "IssuedTicket"),
                       "sessions": {"type": "array", "items": ref("schemas", "Seat")},
                       "companions": {"type": "array", "items": ref("schemas", "IssuedTicket")}},
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
                           "description": "For scans made offline; decides the day and the order. More "
                                          f"than {SCANNED_AT_LEAD.seconds // 60} minutes ahead of the "
                                          "server's clock is 422 on scanned_at."},
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
    "StoryRequest": {
        "type": "object",
        "description": "A story from a kiosk. Lengths count characters as a person does (grapheme "
                       "clusters); invisible characters are removed and spaces collapsed first.",
        "properties": {
            "author": {"type": "string", "description": f"A nickname, 1 to {story_rules.AUTHOR_MAX} characters."},
            "title": {"type": "string", "description": f"1 to {story_rules.TITLE_MAX} characters."},
            "logline": {"type": "string", "description": f"1 to {story_rules.LOGLINE_MAX} characters."},
            "beats": {"type": "array", "items": {"type": "string"},
                      "minItems": story_rules.BEATS_MIN, "maxItems": story_rules.BEATS_MAX,
                      "description": f"Exactly the open round's beat_count, each 1 to {story_rules.BEAT_MAX} "
                                     "characters."},
            "nonce": {"type": "string", "minLength": 8, "maxLength": story_rules.NONCE_MAX,
                      "description": "Made by the kiosk for this story; a re-send with the same nonce gets "
                                     "the first answer and makes no second story."},
            "frames": {"type": "array", "description": "Per beat, a drawn frame or null: a PNG data URL "
                                                       f"(data:image/png;base64,...) of at most "
                                                       f"{story_rules.FRAME_MAX_BYTES // 1024} KB and "
                                                       f"{story_rules.FRAME_MAX_SIDE} pixels a side.",
                       "items": nullable({"type": "string"})},
            "ticket_code": nullable({"type": "string", "description": "The visitor's ticket code or ticket URL."}),
            "locale": LOCALE,
        },
        "required": ["author", "title", "logline", "beats", "nonce"],
    },
    "StoryAnswer": {
        "type": "object",
        "properties": {"id": ID, "round_id": ID,
                       "status": {"type": "string", "enum": ["pending", "approved"],
                                  "description": "approved only when auto-approve took it."}},
        "required": ["id", "round_id", "status"],
    },
    "Story": {
        "type": "object",
        "description": "A story as public screens show it. Its text is the visitor's: escape it.",
        "properties": STORY_PROPERTIES,
        "required": list(STORY_PROPERTIES),
    },
    "StaffStory": {
        "type": "object",
        "description": "A story with what moderators need.",
        "properties": STAFF_STORY_PROPERTIES,
        "required": list(STAFF_STORY_PROPERTIES),
    },
    "StaffStoryList": {
        "type": "object",
        "properties": {"stories": {"type": "array", "items": ref("schemas", "StaffStory")}},
        "required": ["stories"],
    },
    "ModerationRequest": {
        "type": "object",
        "properties": {"reason": nullable({
            "type": "string", "description": f"The moderator's note, kept to {story_rules.REASON_MAX} characters."})},
    },
    "ChallengeSettings": {
        "type": "object",
        "properties": {"auto_approve": {
            "type": "boolean",
            "description": "Approve unflagged stories without drawings at once (off by default)."}},
        "required": ["auto_approve"],
    },
    "Round": {
        "type": "object",
        "description": "A My Story round: open from starts_at until (not including) ends_at.",
        "properties": {
            "id": ID,
            "title": ref("schemas", "LocalizedText"),
            "theme": ref("schemas", "LocalizedText"),
            "status": {"type": "string", "enum": ["scheduled", "open", "closed"]},
            "starts_at": TIMESTAMP,
            "ends_at": TIMESTAMP,
            "beat_count": BEAT_COUNT,
            "session_id": nullable(ID),
            "votes_per_ticket": VOTES_PER_TICKET,
            "weights": ref("schemas", "Weights"),
            "voting": {"type": "string", "enum": ["open", "closed"],
                       "description": "Whether votes for this round's stories are taken now."},
        },
        "required": ["id", "title", "theme", "status", "starts_at", "ends_at", "beat_count", "session_id",
                     "votes_per_ticket", "weights", "voting"],
    },
    "Weights": {
        "type": "object",
        "description": "How the audience's and the jury's parts weigh in the score.",
        "properties": {"audience": {"type": "integer", "minimum": 0}, "jury": {"type": "integer", "minimum": 0}},
        "required": ["audience", "jury"],
    },
    "RoundRequest": {
        "type": "object",
        "properties": {
            "title": ref("schemas", "LocalizedText"),
            "theme": ref("schemas", "LocalizedText"),
            "starts_at": TIMESTAMP,
            "ends_at": TIMESTAMP,
            "beat_count": {**BEAT_COUNT, "default": 3},
            "session_id": nullable({**ID, "description": "A session of kind challenge."}),
            "votes_per_ticket": {**VOTES_PER_TICKET, "default": 3},
            "weights": {**ref("schemas", "Weights"), "default": {"audience": 50, "jury": 50}},
        },
        "required": ["title", "theme", "starts_at", "ends_at"],
        "description": "To create a round (POST); to change one, see RoundChange.",
    },
    "RoundChange": {
        "type": "object",
        "description": "To change a round (PUT): any of RoundRequest's fields; those left out stay, "
                       "e.g. only {\"votes_per_ticket\": 5} or only {\"weights\": {...}}.",
        "properties": {
            "title": ref("schemas", "LocalizedText"),
            "theme": ref("schemas", "LocalizedText"),
            "starts_at": TIMESTAMP,
            "ends_at": TIMESTAMP,
            "beat_count": BEAT_COUNT,
            "session_id": nullable({**ID, "description": "A session of kind challenge."}),
            "votes_per_ticket": VOTES_PER_TICKET,
            "weights": ref("schemas", "Weights"),
        },
    },
    "Rounds": {
        "type": "object",
        "properties": {"now": TIMESTAMP, "open_round_id": nullable(ID),
                       "rounds": {"type": "array", "items": ref("schemas", "Round")}},
        "required": ["now", "open_round_id", "rounds"],
    },
    "Display": {
        "type": "object",
        "description": "A public display that connected with ?display=<name>.",
        "properties": {
            "name": {"type": "string"},
            "mode": DISPLAY_MODE,
            "follows_default": {"type": "boolean"},
            "spotlight_story_id": nullable(ID),
            "last_seen_at": nullable(TIMESTAMP),
        },
        "required": ["name", "mode", "follows_default", "spotlight_story_id", "last_seen_at"],
    },
    "Displays": {
        "type": "object",
        "properties": {
            "default": {"type": "object", "description": "What displays that follow the default show.",
                        "properties": {"mode": DISPLAY_MODE, "spotlight_story_id": nullable(ID)},
                        "required": ["mode", "spotlight_story_id"]},
            "displays": {"type": "array", "items": ref("schemas", "Display")},
        },
        "required": ["default", "displays"],
    },
    "ModeRequest": {
        "type": "object",
        "properties": {
            "mode": nullable({**DISPLAY_MODE, "description": "For one display, null follows the default again."}),
            "story_id": nullable({**ID, "description": "The approved story to show in spotlight mode."}),
        },
    },
    "ModeAnswer": {
        "type": "object",
        "description": "What the display (null: every display following the default) shows now.",
        "properties": {"display": nullable({"type": "string"}), "mode": DISPLAY_MODE,
                       "spotlight_story_id": nullable(ID)},
        "required": ["display", "mode", "spotlight_story_id"],
    },
    "Kiosk": {
        "type": "object",
        "properties": {
            "id": ID,
            "name": {"type": "string"},
            "paused": {"type": "boolean"},
            "message": nullable({"type": "string", "description": "Shown on the paused kiosk."}),
            "last_seen_at": nullable(TIMESTAMP),
        },
        "required": ["id", "name", "paused", "message", "last_seen_at"],
    },
    "Kiosks": {
        "type": "object",
        "properties": {"kiosks": {"type": "array", "items": ref("schemas", "Kiosk")}},
        "required": ["kiosks"],
    },
    "Window": {
        "type": "object",
        "description": "When a gate admits entries: from opens_at up to (not including) closes_at.",
        "properties": {"opens_at": TIMESTAMP, "closes_at": TIMESTAMP},
        "required": ["opens_at", "closes_at"],
    },
    "GatePause": {
        "type": "object",
        "description": "Entry paused at a gate (`gate` null: at every gate, the whole venue).",
        "properties": {"gate": nullable({"type": "string"}), "paused_at": TIMESTAMP,
                       "reason": {"type": "string"},
                       "paused_by": nullable({"type": "string", "description": "The staff member's name."})},
        "required": ["gate", "paused_at", "reason", "paused_by"],
    },
    "GatePauses": {
        "type": "object",
        "description": "Every pause in force; the same payload as the Socket.IO event gates_changed on /staff.",
        "properties": {"venue_paused": {"type": "boolean"}, "venue": nullable(ref("schemas", "GatePause")),
                       "gates": {"type": "array", "items": ref("schemas", "GatePause")}},
        "required": ["venue_paused", "venue", "gates"],
    },
    "GateState": {
        "type": "object",
        "description": "A gate's own pause (`gate` null: the whole venue's), and whether the whole venue "
                       "is paused: entries at the gate answer entry_paused when either is.",
        "properties": {"gate": nullable({"type": "string"}), "paused": {"type": "boolean"},
                       "paused_at": nullable(TIMESTAMP), "reason": nullable({"type": "string"}),
                       "paused_by": nullable({"type": "string"}), "venue_paused": {"type": "boolean"}},
        "required": ["gate", "paused", "paused_at", "reason", "paused_by", "venue_paused"],
    },
    "GatePauseRequest": {
        "type": "object",
        "properties": {"reason": nullable({"type": "string", "maxLength": GATE_REASON_MAX,
                                           "description": "For staff: why entry is paused."})},
    },
    "PauseRequest": {
        "type": "object",
        "properties": {"message": nullable({"type": "string", "maxLength": PAUSE_MESSAGE_MAX})},
    },
    "SuggestionRequest": {
        "type": "object",
        "description": "The story so far; the suggestion follows the open (or next) round's theme.",
        "properties": {
            "kind": {"type": "string", "enum": list(SUGGESTION_KINDS)},
            "locale": LOCALE,
            "title": {"type": "string"},
            "logline": {"type": "string"},
            "beats": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["kind"],
    },
    "Suggestion": {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": list(SUGGESTION_KINDS)},
            "text": {"type": "string"},
            "provider": {"type": "string", "description": "Who wrote it: offline, or the AI provider's name."},
        },
        "required": ["kind", "text", "provider"],
    },
    "VoteRequest": {
        "type": "object",
        "properties": {
            "ticket_code": {"type": "string", "minLength": 1,
                            "description": "The ticket code, the ticket's URL or what its QR code reads."},
            "story_id": ID,
        },
        "required": ["ticket_code", "story_id"],
    },
    "Ballot": {
        "type": "object",
        "description": "A ticket's votes in the round open for voting now (round_id null, and no votes, "
                       "when no round is).",
        "properties": {
            "round_id": nullable(ID),
            "votes_per_ticket": {**COUNT, "maximum": VOTES_PER_TICKET["maximum"]},
            "left": COUNT,
            "story_ids": {"type": "array", "items": ID, "description": "The stories it voted for, first vote first."},
            "checked_in": {"type": "boolean", "description": "Checked in at the entrance today (needed to vote)."},
        },
        "required": ["round_id", "votes_per_ticket", "left", "story_ids", "checked_in"],
    },
    "LeaderboardEntry": {
        "type": "object",
        "description": "One place. Its text is the visitor's: escape it.",
        "properties": {
            "story_id": ID,
            "title": {"type": "string"},
            "author": {"type": "string"},
            "logline": {"type": "string"},
            "frame": nullable({"type": "string", "format": "uri-reference",
                               "description": "The story's first drawn frame (a PNG)."}),
            "votes": COUNT,
            "jury": nullable({"type": "number", "minimum": 1, "maximum": 10,
                              "description": "The jury's mean (1-10); null while no juror scored the story."}),
            "score": {"type": "number", "minimum": 0, "maximum": 100},
            "rank": {"type": "integer", "minimum": 1},
        },
        "required": ["story_id", "title", "author", "logline", "frame", "votes", "jury", "score", "rank"],
    },
    "Leaderboard": {
        "type": "object",
        "description": "What the displays show: the live ranking, except while frozen (the ranking at "
                       "the freeze) and during a reveal (only the places revealed, best first). "
                       "With ?live=1 (staff), always the live ranking.",
        "properties": {
            "round": {"type": "object",
                      "properties": {"id": ID, "title": ref("schemas", "LocalizedText"),
                                     "status": {"type": "string", "enum": ["scheduled", "open", "closed"]}},
                      "required": ["id", "title", "status"]},
            "voting": {"type": "string", "enum": ["open", "closed"]},
            "frozen": {"type": "boolean"},
            "revealed": nullable({**COUNT, "description": "Places shown so far, from the last up; "
                                                          "null when no reveal has begun."}),
            "entries": {"type": "array", "items": ref("schemas", "LeaderboardEntry")},
        },
        "required": ["round", "voting", "frozen", "revealed", "entries"],
    },
    "Show": {
        "type": "object",
        "description": "The show's state as staff run it, with the public board.",
        "properties": {
            "round_id": ID,
            "title": ref("schemas", "LocalizedText"),
            "status": {"type": "string", "enum": ["scheduled", "open", "closed"]},
            "voting": {"type": "string", "enum": ["open", "closed"]},
            "voting_set_by": {"type": "string", "enum": ["round", "staff"],
                              "description": "round: voting follows the round; staff: staff opened or closed it."},
            "frozen": {"type": "boolean"},
            "revealed": nullable(COUNT),
            "places": nullable({**COUNT, "description": "Places the reveal walks up; null before it begins."}),
            "votes_per_ticket": VOTES_PER_TICKET,
            "weights": ref("schemas", "Weights"),
            "winners_told": {"type": "boolean", "description": "The top authors were mailed."},
            "leaderboard": ref("schemas", "Leaderboard"),
        },
        "required": ["round_id", "title", "status", "voting", "voting_set_by", "frozen", "revealed", "places",
                     "votes_per_ticket", "weights", "winners_told", "leaderboard"],
    },
    "RevealRequest": {
        "type": "object",
        "properties": {"places": {**COUNT, "description": "Show this many places unless more are shown "
                                                          "(safe to re-send); left out: one more."}},
    },
    "JuryCriteria": {
        "type": "object",
        "properties": {
            "criteria": {"type": "array", "items": {
                "type": "object",
                "properties": {"key": {"type": "string"}, "label": ref("schemas", "LocalizedText"),
                               "name": {"type": "string", "description": "The label in the request's language."}},
                "required": ["key", "label", "name"]}},
            "min": {"type": "integer", "const": jury.MARK_MIN},
            "max": {"type": "integer", "const": jury.MARK_MAX},
        },
        "required": ["criteria", "min", "max"],
    },
    "JuryScoreRequest": {
        "type": "object",
        "properties": {
            "scores": {"type": "object", "description": "A mark for every criterion, by its key.",
                       "additionalProperties": {"type": "integer", "minimum": jury.MARK_MIN,
                                                "maximum": jury.MARK_MAX}},
            "comment": nullable({"type": "string", "maxLength": jury.COMMENT_MAX}),
        },
        "required": ["scores"],
    },
    "JuryScore": {
        "type": "object",
        "description": "A juror's own marks for one story.",
        "properties": {
            "story_id": ID,
            "scores": {"type": "object", "additionalProperties": {"type": "integer", "minimum": jury.MARK_MIN,
                                                                  "maximum": jury.MARK_MAX}},
            "comment": nullable({"type": "string"}),
            "mean": {"type": "number", "minimum": jury.MARK_MIN, "maximum": jury.MARK_MAX},
            "updated_at": TIMESTAMP,
        },
        "required": ["story_id", "scores", "comment", "mean", "updated_at"],
    },
    "JuryScores": {
        "type": "object",
        "description": "A juror's own marks in a round, and how many of its approved stories they scored.",
        "properties": {
            "round_id": ID,
            "scored": COUNT,
            "stories": {**COUNT, "description": "Approved stories in the round."},
            "scores": {"type": "array", "items": ref("schemas", "JuryScore")},
        },
        "required": ["round_id", "scored", "stories", "scores"],
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
    "NoProgramme": error_response("The programme has not been loaded yet (no_programme), or the "
                                  "database is unreachable (unavailable)."),
    "NotFound": error_response("No such ticket, or no place of it in that session."),
    "BadJson": error_response("Not a JSON object (bad_json)."),
    "TooLarge": error_response("The body is over the size cap (too_large)."),
    "Unavailable": error_response("The database is unreachable for a moment (unavailable); retry after "
                                  "Retry-After seconds."),
}


def with_limits(paths: dict) -> dict:
    """Every operation may meet the limits of the contract: 413 too_large where it takes a body,
    503 unavailable while the database is down, 422 for a null character in any text it takes."""
    for item in paths.values():
        for operation in item.values():
            responses = operation["responses"]
            responses.setdefault("503", ref("responses", "Unavailable"))
            if "requestBody" in operation:
                responses.setdefault("413", ref("responses", "TooLarge"))
            if "requestBody" in operation or operation.get("parameters"):
                responses.setdefault("422", ref("responses", "ValidationFailed"))
    return paths

SCHEDULE_FILTERS = [ref("parameters", name) for name in ("Day", "VenueId", "Kind")]

CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
        "description": "The ticket code (the secret the QR carries)."}
MANAGE_KEY = {"name": "X-Manage-Key", "in": "header", "required": True, "schema": {"type": "string"},
              "description": "The ticket's management key, from the registration answer or the mails."}
MANAGE_KEY_REQUIRED = error_response("manage_key_required: no X-Manage-Key, or not this ticket's.")

STAFF_AUTH = {"security": [{"bearerAuth": []}],
              "description": "A bearer token, or the staff session cookie (with X-CSRFToken on "
                             "changes)."}

STORY_ID = {"name": "story_id", "in": "path", "required": True, "schema": ID}
ROUND_ID = {"name": "round_id", "in": "path", "required": True, "schema": ID}
KIOSK_ID = {"name": "kiosk_id", "in": "path", "required": True, "schema": ID,
            "description": "The kiosk's account id."}


def ok(description: str, schema: str) -> dict:
    return {"description": description, "content": json_content(ref("schemas", schema))}


def body_of(schema: str, *, required: bool = True) -> dict:
    return {"required": required, "content": json_content(ref("schemas", schema))}


def staff_operation(summary: str, operation_id: str, tag: str, responses: dict, **more) -> dict:
    """An operation that needs a staff credential: 401 and 403 are always possible."""
    return {**STAFF_AUTH, "summary": summary, "operationId": operation_id, "tags": [tag],
            "parameters": [*more.pop("parameters", []), ref("parameters", "AcceptLanguage")],
            **more,
            "responses": {**responses, "401": ref("responses", "Unauthorized"),
                          "403": ref("responses", "Forbidden")}}


def moderation(verb: str, operation_id: str, description: str) -> dict:
    """POST /stories/{story_id}/approve or /reject."""
    return {"post": staff_operation(
        f"{verb} a story (moderator or admin)", operation_id, "stories",
        {"200": ok("The story as it is now.", "StaffStory"), "400": ref("responses", "BadJson"),
         "404": error_response("story_not_found."), "422": ref("responses", "ValidationFailed")},
        description=description, parameters=[STORY_ID],
        requestBody=body_of("ModerationRequest", required=False))}


def display_mode(summary: str, operation_id: str, **more) -> dict:
    """PUT /displays (the default) or /displays/{name} (one display)."""
    responses = {"200": ok("What it shows now.", "ModeAnswer"), "400": ref("responses", "BadJson"),
                 "422": ref("responses", "ValidationFailed"), **more.pop("responses", {})}
    return {"put": staff_operation(summary, operation_id, "screens", responses,
                                   requestBody=body_of("ModeRequest"), **more)}


GATE_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 60},
             "description": "The gate's name, as its scanners send it (trimmed; not `*`)."}


def gate_switch(summary: str, operation_id: str, pausing: bool, **more) -> dict:
    """POST /gates[/{name}]/pause or /resume (admin); repeating is harmless."""
    responses = {"200": ok("The pause state now (also when nothing changed).", "GateState"),
                 "422": ref("responses", "ValidationFailed")}
    if pausing:
        responses["400"] = ref("responses", "BadJson")
        more["requestBody"] = body_of("GatePauseRequest", required=False)
    return {"post": staff_operation(summary, operation_id, "checkin", responses,
                                    description="Entries there answer `entry_paused` while paused; exits "
                                                "go on. Audit-logged; scanners see it at once.", **more)}


def kiosk_switch(summary: str, operation_id: str, **more) -> dict:
    """POST /kiosks/{kiosk_id}/pause or /resume."""
    responses = {"200": ok("The kiosk.", "Kiosk"), "404": error_response("kiosk_not_found."),
                 **more.pop("responses", {})}
    return {"post": staff_operation(summary, operation_id, "screens", responses, parameters=[KIOSK_ID], **more)}


RATE_LIMITED = error_response("rate_limited: more than 30 requests a minute for this ticket (never per address).")
TICKET_CODE = {"name": "ticket_code", "in": "query", "required": True, "schema": {"type": "string"},
               "description": "The ticket code (or its URL)."}


def vote_operation(summary: str, operation_id: str, responses: dict, **more) -> dict:
    """POST, DELETE or GET /votes: the ticket code is the credential, limited per ticket."""
    return {"summary": summary, "operationId": operation_id, "tags": ["votes"],
            "parameters": [*more.pop("parameters", []), ref("parameters", "AcceptLanguage")], **more,
            "responses": {**responses, "404": error_response("ticket_not_found, or story_not_found."),
                          "422": ref("responses", "ValidationFailed"), "429": RATE_LIMITED}}


def show_control(summary: str, operation_id: str, description: str, **more) -> dict:
    """POST /rounds/{round_id}/voting/open|voting/close|freeze|unfreeze|reveal/reset."""
    responses = {"200": ok("The show now (also when nothing changed: repeating is harmless).", "Show"),
                 "404": error_response("round_not_found."), **more.pop("responses", {})}
    return {"post": staff_operation(summary, operation_id, "show", responses, description=description,
                                    parameters=[ROUND_ID], **more)}


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
                       "a session on a day not chosen is 422. So is a session outside its "
                       "booking window (not open yet, closed — by default at its start — or, when "
                       "the place would be on the waiting list, past the waiting list's cut-off): "
                       "422 on `sessions.N` with the reason, and nothing is written.",
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
            "parameters": [CODE, MANAGE_KEY, ref("parameters", "AcceptLanguage")],
            "responses": {"204": {"description": "Cancelled (repeating is harmless)."},
                          "403": MANAGE_KEY_REQUIRED,
                          "404": ref("responses", "NotFound")},
        },
    },
    "/tickets/{code}/sessions/{session_id}": {"delete": {
        "summary": "Give back a session place, or leave its waiting list",
        "description": "A confirmed seat goes at once to the first on the waiting list.",
        "operationId": "cancelSeat",
        "tags": ["tickets"],
        "parameters": [CODE, {"name": "session_id", "in": "path", "required": True, "schema": ID},
                       MANAGE_KEY, ref("parameters", "AcceptLanguage")],
        "responses": {"204": {"description": "Given back (repeating is harmless)."},
                      "403": MANAGE_KEY_REQUIRED,
                      "404": ref("responses", "NotFound"),
                      "409": error_response("session_started: the session has begun.")},
    }},
    "/checkins": {"post": {
        **STAFF_AUTH,
        "summary": "Answer one scan at a gate (role gate or admin)",
        "description": "One entry gives exactly one `ok` however many gates scan the ticket at "
                       "once; it enters again only after an exit scan. The first answer that applies: "
                       "unknown_ticket, cancelled, wrong_day; for an entry then entry_paused, too_early or "
                       "closed (the day's opening hours at the entrance, the session's check-in window at "
                       "a session), not_registered; then already_checked_in, capacity_reached (entry) or "
                       "not_inside (exit). Exits are never refused for a pause or the hours.",
        "operationId": "checkIn",
        "tags": ["checkin"],
        "parameters": [ref("parameters", "AcceptLanguage")],
        "requestBody": {"required": True, "content": json_content(ref("schemas", "ScanRequest"))},
        "responses": {"200": {"description": "The answer (also for refusals such as unknown_ticket).",
                              "content": json_content(ref("schemas", "ScanAnswer"))},
                      "400": ref("responses", "BadJson"),
                      "401": ref("responses", "Unauthorized"), "403": ref("responses", "Forbidden"),
                      "422": ref("responses", "ValidationFailed")},
    }},
    "/gates": {"get": staff_operation("The gates where entry is paused (role gate or admin)", "listGatePauses",
                                      "checkin", {"200": ok("Every pause in force.", "GatePauses")})},
    "/gates/pause": gate_switch("Pause entry at every gate (admin)", "pauseVenue", True),
    "/gates/resume": gate_switch("Let entry go on at every gate (admin; gates paused on their own stay "
                                 "paused)", "resumeVenue", False),
    "/gates/{name}/pause": gate_switch("Pause entry at one gate (admin)", "pauseGate", True,
                                       parameters=[GATE_NAME]),
    "/gates/{name}/resume": gate_switch("Let entry go on at one gate (admin)", "resumeGate", False,
                                        parameters=[GATE_NAME]),
    "/checkins/offline": {"get": {
        **STAFF_AUTH,
        "summary": "The offline pack of a day for gate phones (role gate or admin)",
        "description": "Ticket codes are never sent in clear: each is sha256(salt + code), hex, with a "
                       "salt fixed per day. `sessions` maps a session id (sessions that need a seat) to "
                       "the hashes of its confirmed seats. `hours` is the day's opening hours at the entrance "
                       "(null: no exhibition that day), `windows` each session's check-in window (from its "
                       "set time before the start to its end), `paused` the pauses in force when the pack "
                       "was made: the phone answers too_early, closed and entry_paused as the server would.",
        "operationId": "getOfflinePack",
        "tags": ["checkin"],
        "parameters": [ref("parameters", "AcceptLanguage"),
                       {"name": "day", "in": "query", "required": True,
                        "schema": {"type": "string", "format": "date"}}],
        "responses": {"200": {"description": "The pack.", "content": json_content({
                          "type": "object",
                          "required": ["day", "salt", "entries", "sessions", "hours", "windows", "paused"],
                          "properties": {
                              "day": {"type": "string", "format": "date"},
                              "hours": nullable(ref("schemas", "Window")),
                              "windows": {"type": "object", "additionalProperties": ref("schemas", "Window")},
                              "paused": ref("schemas", "GatePauses"),
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
    "/stories": {
        "post": staff_operation(
            "Send a story from a kiosk (kiosk)", "submitStory", "stories",
            {"201": ok("Taken into the round open now.", "StoryAnswer"),
             "200": ok("This nonce was sent before: the first answer again.", "StoryAnswer"),
             "400": ref("responses", "BadJson"),
             "409": error_response("round_closed: no round is open for stories now."),
             "422": ref("responses", "ValidationFailed")},
            description="Every story starts pending unless auto-approve is on and the story is "
                        "neither flagged by the automatic screen nor drawn. `fields` keys: author, "
                        "title, logline, beats, beats.N, frames, frames.N, ticket_code, nonce.",
            requestBody=body_of("StoryRequest")),
        "get": staff_operation(
            "The moderation queue (moderator or admin)", "listStories", "stories",
            {"200": ok("Pending: flagged first, then oldest first; other statuses newest first.",
                       "StaffStoryList"),
             "422": ref("responses", "ValidationFailed")},
            parameters=[{"name": "status", "in": "query",
                         "schema": {"type": "string", "enum": [*STORY_STATUSES, "all"], "default": "pending"}},
                        {"name": "round_id", "in": "query", "schema": ID}]),
    },
    "/stories/{story_id}": {"get": staff_operation(
        "One story (moderator or admin)", "getStory", "stories",
        {"200": ok("The story.", "StaffStory"), "404": error_response("story_not_found.")},
        parameters=[STORY_ID])},
    "/stories/{story_id}/approve": moderation(
        "Approve", "approveStory", "It reaches the displays at once; approving again is harmless."),
    "/stories/{story_id}/reject": moderation(
        "Reject", "rejectStory", "An approved story is taken off the displays; rejecting again is harmless."),
    "/challenge/settings": {
        "get": staff_operation("My Story's switches (moderator or admin)", "getChallengeSettings",
                               "stories", {"200": ok("The settings.", "ChallengeSettings")}),
        "put": staff_operation("Turn auto-approve on or off (moderator or admin)", "setChallengeSettings",
                               "stories", {"200": ok("The settings.", "ChallengeSettings"),
                                           "400": ref("responses", "BadJson"),
                                           "422": ref("responses", "ValidationFailed")},
                               requestBody=body_of("ChallengeSettings")),
    },
    "/rounds": {
        "get": {
            "summary": "The challenge's rounds, and which is open now",
            "operationId": "listRounds",
            "tags": ["rounds"],
            "parameters": [ref("parameters", "AcceptLanguage")],
            "responses": {"200": ok("Rounds in time order, with the server's time.", "Rounds")},
        },
        "post": staff_operation(
            "Add a round (admin)", "createRound", "rounds",
            {"201": ok("The round.", "Round"), "400": ref("responses", "BadJson"),
             "409": error_response("round_overlap: rounds never overlap."),
             "422": ref("responses", "ValidationFailed")},
            requestBody=body_of("RoundRequest")),
    },
    "/rounds/{round_id}": {"put": staff_operation(
        "Change a round (admin)", "updateRound", "rounds",
        {"200": ok("The round.", "Round"), "400": ref("responses", "BadJson"),
         "404": error_response("round_not_found."),
         "409": error_response("round_overlap, or round_has_stories: beat_count is fixed once "
                               "stories were sent."),
         "422": ref("responses", "ValidationFailed")},
        description="A partial body: what it leaves out stays. `votes_per_ticket` is 1 to 20; `weights` "
                    "two whole numbers of at least 0, not both 0.",
        parameters=[ROUND_ID], requestBody=body_of("RoundChange"))},
    "/rounds/{round_id}/open": {"post": staff_operation(
        "Open a round now (moderator or admin)", "openRound", "rounds",
        {"200": ok("The round, open.", "Round"), "404": error_response("round_not_found."),
         "409": error_response("round_overlap: another round is open.")},
        description="Its start moves to now; its end stays (or is an hour away if it had passed).",
        parameters=[ROUND_ID])},
    "/rounds/{round_id}/close": {"post": staff_operation(
        "Close the open round now (moderator or admin)", "closeRound", "rounds",
        {"200": ok("The round, closed.", "Round"), "404": error_response("round_not_found."),
         "409": error_response("round_not_open.")},
        parameters=[ROUND_ID])},
    "/displays": {
        "get": staff_operation("The public displays and what they show (moderator or admin)",
                               "listDisplays", "screens", {"200": ok("The displays.", "Displays")}),
        **display_mode("Set what every display that follows the default shows (moderator or admin)",
                       "setDefaultMode"),
    },
    "/displays/{name}": display_mode(
        "Set what one display shows (moderator or admin)", "setDisplayMode",
        parameters=[{"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                     "description": "The name the display connected with."}],
        responses={"404": error_response("display_not_found: no display of this name has connected.")}),
    "/kiosks": {"get": staff_operation("The kiosks, paused or not (moderator or admin)", "listKiosks",
                                       "screens", {"200": ok("The kiosks.", "Kiosks")})},
    "/kiosks/{kiosk_id}/pause": kiosk_switch("Pause one kiosk with a message (moderator or admin)",
                                             "pauseKiosk", requestBody=body_of("PauseRequest", required=False),
                                             responses={"400": ref("responses", "BadJson"),
                                                        "422": ref("responses", "ValidationFailed")}),
    "/kiosks/{kiosk_id}/resume": kiosk_switch("Let a paused kiosk take stories again (moderator or admin)",
                                              "resumeKiosk"),
    "/cowriter": {"post": staff_operation(
        "A co-writer suggestion for the story being written (kiosk)", "suggest", "stories",
        {"200": ok("One suggestion, always within the co-writer's timeout.", "Suggestion"),
         "400": ref("responses", "BadJson"), "422": ref("responses", "ValidationFailed"),
         "429": error_response("rate_limited: more than 30 suggestions a minute for this kiosk "
                               "(never per address).")},
        requestBody=body_of("SuggestionRequest"))},
    "/votes": {
        "post": vote_operation(
            "Vote for a story", "castVote",
            {"201": ok("Counted: the ticket's ballot after the vote.", "Ballot"),
             "400": ref("responses", "BadJson"),
             "403": error_response("not_checked_in (not through the entrance today), or ticket_cancelled."),
             "409": error_response("already_voted (for this story), no_votes_left (in this round), "
                                   "voting_closed, or story_not_votable (not approved, or of another "
                                   "round than the one open for voting).")},
            description="One vote per story, `votes_per_ticket` votes a round, for a ticket checked in "
                        "at the entrance today. A vote counts for its story's round.",
            requestBody=body_of("VoteRequest")),
        "delete": vote_operation(
            "Take a vote back while voting is open", "withdrawVote",
            {"204": {"description": "Taken back (taking back no vote is harmless)."},
             "400": ref("responses", "BadJson"),
             "403": error_response("ticket_cancelled."),
             "409": error_response("voting_closed, or story_not_votable.")},
            requestBody=body_of("VoteRequest")),
        "get": vote_operation(
            "A ticket's votes in the round open for voting now", "getBallot",
            {"200": ok("The ballot.", "Ballot"), "403": error_response("ticket_cancelled.")},
            parameters=[TICKET_CODE]),
    },
    "/leaderboard": {"get": {
        "security": [{}, {"bearerAuth": []}],
        "summary": "The leaderboard the displays show (public; ?live=1 for moderators and admins)",
        "description": "While frozen, the board stays as it was at the freeze while the count goes on; "
                       "during a reveal only the revealed places are in `entries`. ?live=1 needs a "
                       "moderator or admin credential and always gives the live ranking.",
        "operationId": "getLeaderboard",
        "tags": ["show"],
        "parameters": [
            {"name": "round_id", "in": "query", "schema": ID,
             "description": "Default: the round open for voting now, else the one whose voting ended last."},
            {"name": "live", "in": "query", "schema": {"type": "string", "enum": ["1", "true"]},
             "description": "The live ranking (moderator or admin)."},
            ref("parameters", "AcceptLanguage"),
        ],
        "responses": {"200": ok("The board.", "Leaderboard"),
                      "401": ref("responses", "Unauthorized"), "403": ref("responses", "Forbidden"),
                      "404": error_response("round_not_found: no such round, or none to show yet.")},
    }},
    "/rounds/{round_id}/voting/open": show_control(
        "Open voting on a round (moderator or admin)", "openVoting",
        "Until staff close it, also after the round stops taking stories. Audit-logged."),
    "/rounds/{round_id}/voting/close": show_control(
        "Close voting on a round (moderator or admin)", "closeVoting", "Audit-logged."),
    "/rounds/{round_id}/freeze": show_control(
        "Freeze the public leaderboard (moderator or admin)", "freezeLeaderboard",
        "Displays keep the ranking of this moment while votes still count; ?live=1 shows the live one. "
        "Audit-logged."),
    "/rounds/{round_id}/unfreeze": show_control(
        "Unfreeze the public leaderboard (moderator or admin)", "unfreezeLeaderboard", "Audit-logged."),
    "/rounds/{round_id}/reveal": {"post": staff_operation(
        "Reveal one more place, from the last up to the winner (moderator or admin)", "revealPlace", "show",
        {"200": ok("The public leaderboard, with the places revealed so far.", "Leaderboard"),
         "400": ref("responses", "BadJson"), "404": error_response("round_not_found."),
         "422": ref("responses", "ValidationFailed")},
        description="The first step fixes the ranking (the frozen board, else the live one); once "
                    "jury marks are final. `places` makes a step safe to re-send. When the winner is "
                    "shown, the top three authors who gave a ticket are mailed. Audit-logged.",
        parameters=[ROUND_ID], requestBody=body_of("RevealRequest", required=False))},
    "/rounds/{round_id}/reveal/reset": show_control(
        "Undo the reveal (moderator or admin)", "resetReveal",
        "Displays go back to the board; jurors can change their marks again. Audit-logged."),
    "/jury/criteria": {"get": staff_operation(
        "What the jury scores (jury; moderators and admins may read it)", "getJuryCriteria", "jury",
        {"200": ok("The criteria, in the order the jury sees them, and the marks' range.", "JuryCriteria")})},
    "/jury/scores/{story_id}": {"put": staff_operation(
        "Save this juror's marks for a story (jury)", "saveJuryScore", "jury",
        {"200": ok("The juror's marks as saved (the last one sent counts).", "JuryScore"),
         "400": ref("responses", "BadJson"),
         "404": error_response("story_not_found."),
         "409": error_response("story_not_scorable (not approved), or round_revealed (the reveal has "
                               "begun: marks are final)."),
         "422": ref("responses", "ValidationFailed")},
        description="Every criterion gets a whole mark from 1 to 10. `fields` keys: scores, "
                    "scores.<criterion>, comment.",
        parameters=[STORY_ID], requestBody=body_of("JuryScoreRequest"))},
    "/jury/scores": {"get": staff_operation(
        "This juror's own marks in a round, and progress (jury)", "listJuryScores", "jury",
        {"200": ok("Only this juror's marks.", "JuryScores"),
         "404": error_response("round_not_found: no such round, or none to show yet.")},
        parameters=[{"name": "round_id", "in": "query", "schema": ID,
                     "description": "Default: the round the leaderboard shows."}])},
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
    "tags": [{"name": "schedule"}, {"name": "tickets"}, {"name": "checkin"}, {"name": "staff"},
             {"name": "stories"}, {"name": "rounds"}, {"name": "screens"}, {"name": "votes"},
             {"name": "show"}, {"name": "jury"}, {"name": "meta"}],
    "paths": with_limits(PATHS),
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
@public
def openapi():
    return jsonify(DOCUMENT)
