"""Pure My Story rules: what a story may hold, counted as a person sees it, and its frames.

Lengths count grapheme clusters (`\\X`): 光 is one, so is 👩‍🎤, as the kiosk's counter shows.
"""
from __future__ import annotations

import base64
import binascii
import io
import struct
from dataclasses import dataclass, field

import regex
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from app.text import clean_line

AUTHOR_MAX = 24
TITLE_MAX = 40
LOGLINE_MAX = 120
BEAT_MAX = 140
BEATS_MIN, BEATS_MAX = 3, 6
REASON_MAX = 200
NONCE_MAX = 64
#: A drawn frame: a PNG of at most this many bytes and pixels a side (the kiosk sends 800×450).
FRAME_MAX_BYTES = 256 * 1024
FRAME_MAX_SIDE = 1600
PNG_DATA_URL = "data:image/png;base64,"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: The limits the kiosk states on screen (and the API checks).
LIMITS = {"author": AUTHOR_MAX, "title": TITLE_MAX, "logline": LOGLINE_MAX, "beat": BEAT_MAX,
          "frame_bytes": FRAME_MAX_BYTES}


def length(text: str) -> int:
    """Characters as a person counts them (grapheme clusters)."""
    return len(regex.findall(r"\X", text))


@dataclass
class StoryDraft:
    """A story as the kiosk sent it, cleaned; `frames` hold (png, width, height) or None per beat."""

    author: str
    title: str
    logline: str
    beats: list[str]
    nonce: str
    locale: str = "en"
    frames: list[tuple[bytes, int, int] | None] = field(default_factory=list)
    ticket_code: str | None = None


def _text(fields: dict, path: str, value, limit: int, *, required: bool = True,
          empty_message=None) -> str:
    if not isinstance(value, str):
        fields[path] = _l("Must be text.")
        return ""
    value = clean_line(value)
    if required and not value:
        fields[path] = empty_message or _l("Please fill this in.")
    elif length(value) > limit:
        fields[path] = _l("At most %(limit)d characters (now %(count)d).", limit=limit, count=length(value))
    return value


def decode_frame(data_url: str) -> tuple[bytes, int, int]:
    """A drawn frame's PNG and size, from its data URL; ValueError with the reason if it is not one."""
    if not data_url.startswith(PNG_DATA_URL):
        raise ValueError(_l("A drawing must be a PNG image."))
    encoded = data_url[len(PNG_DATA_URL):]
    if len(encoded) > FRAME_MAX_BYTES * 4 // 3 + 4:
        raise ValueError(_l("This drawing is too large (at most %(limit)d KB).", limit=FRAME_MAX_BYTES // 1024))
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(_l("A drawing must be a PNG image.")) from None
    if len(png) > FRAME_MAX_BYTES:
        raise ValueError(_l("This drawing is too large (at most %(limit)d KB).", limit=FRAME_MAX_BYTES // 1024))
    if png[:8] != _PNG_SIGNATURE or png[12:16] != b"IHDR":
        raise ValueError(_l("A drawing must be a PNG image."))
    # The size from the header, before any decoding: a small file may claim a huge image.
    width, height = struct.unpack(">II", png[16:24])
    if not (0 < width <= FRAME_MAX_SIDE and 0 < height <= FRAME_MAX_SIDE):
        raise ValueError(_l("A drawing may be at most %(limit)d pixels a side.", limit=FRAME_MAX_SIDE))
    try:
        with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
            image.load()  # every pixel decoded: a truncated or corrupt file fails here, before it is stored
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError, ValueError):
        raise ValueError(_l("A drawing must be a PNG image.")) from None
    return png, width, height


def parse_story(body: dict, beat_count: int | None) -> tuple[StoryDraft, dict]:
    """Check a story as sent against the limits and the open round's number of beats.

    Returns the cleaned draft and the problems keyed by dotted path (`beats.2`,
    `frames.0`); the draft is only usable when there are none. `beat_count` None means
    no round is open: the beats are then checked against the widest range.
    """
    fields: dict = {}
    author = _text(fields, "author", body.get("author"), AUTHOR_MAX,
                   empty_message=_l("Sign your story with a nickname."))
    title = _text(fields, "title", body.get("title"), TITLE_MAX, empty_message=_l("Give your story a title."))
    logline = _text(fields, "logline", body.get("logline"), LOGLINE_MAX,
                    empty_message=_l("Sum your story up in one line."))
    raw_beats = body.get("beats")
    beats: list[str] = []
    if not isinstance(raw_beats, list):
        fields["beats"] = _l("Must be a list of beats.")
    else:
        wanted = beat_count or len(raw_beats)
        if beat_count and len(raw_beats) != beat_count or not BEATS_MIN <= wanted <= BEATS_MAX:
            fields["beats"] = _l("This round's stories have %(count)d beats.", count=beat_count or BEATS_MIN)
        for index, beat in enumerate(raw_beats[:BEATS_MAX]):
            beats.append(_text(fields, f"beats.{index}", beat, BEAT_MAX,
                               empty_message=_l("Write this beat.")))
    frames: list[tuple[bytes, int, int] | None] = []
    raw_frames = body.get("frames")
    if raw_frames is not None:
        if not isinstance(raw_frames, list) or len(raw_frames) > len(beats):
            fields["frames"] = _l("At most one drawing per beat.")
        else:
            for index, frame in enumerate(raw_frames):
                if frame is None:
                    frames.append(None)
                    continue
                try:
                    if not isinstance(frame, str):
                        raise ValueError(_l("A drawing must be a PNG image."))
                    frames.append(decode_frame(frame))
                except ValueError as problem:
                    fields[f"frames.{index}"] = problem.args[0]
    nonce = body.get("nonce")
    if not isinstance(nonce, str) or not 8 <= len(nonce) <= NONCE_MAX:
        fields["nonce"] = _l("Send a nonce of 8 to %(limit)d characters.", limit=NONCE_MAX)
    ticket_code = body.get("ticket_code")
    if ticket_code is not None and not isinstance(ticket_code, str):
        fields["ticket_code"] = _l("Must be text.")
    locale = body.get("locale") if body.get("locale") in ("zh", "en") else "en"
    draft = StoryDraft(author=author, title=title, logline=logline, beats=beats,
                       nonce=nonce if isinstance(nonce, str) else "", locale=locale, frames=frames,
                       ticket_code=(ticket_code or "").strip() or None if isinstance(ticket_code, str) else None)
    return draft, fields


def round_overlaps(starts_at, ends_at, others) -> object | None:
    """The first of `others` (rounds) whose window overlaps [starts_at, ends_at), or None."""
    for other in others:
        if other.starts_at < ends_at and starts_at < other.ends_at:
            return other
    return None


def needs_person(flagged_terms: list[str], frame_count: int) -> bool:
    """Auto-approve takes only unflagged stories without drawings; the rest wait for a moderator."""
    return bool(flagged_terms) or frame_count > 0
