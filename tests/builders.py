"""Small make_* builders for tests that need a few rows rather than the whole seed."""
from __future__ import annotations

import base64
import io
from datetime import date, datetime, time, timedelta
from itertools import count

from PIL import Image

from app.challenge.models import ChallengeRound, Story, StoryFrame
from app.clock import at_local
from app.extensions import db
from app.schedule.models import Exhibition, ExhibitionDay, Slot, Venue

_serial = count(1)


def text(en: str, zh: str | None = None) -> dict:
    return {"en": en, "zh": zh or f"{en}（中）"}


def make_exhibition(**fields) -> Exhibition:
    exhibition = db.session.query(Exhibition).first()
    if exhibition is None:
        exhibition = Exhibition(key="ai-backlot", name=text("AI BACKLOT"), timezone="Asia/Shanghai",
                                site=text("Shanghai Film Art Center"), description=text("Test"),
                                **fields)
        db.session.add(exhibition)
        db.session.flush()
    return exhibition


def make_day(on: date = date(2026, 6, 14), *, capacity: int = 100) -> ExhibitionDay:
    day = db.session.query(ExhibitionDay).filter_by(date=on).first()
    if day is None:
        day = ExhibitionDay(exhibition=make_exhibition(), date=on, entry_capacity=capacity,
                            opens_at=at_local(on, time(10)), closes_at=at_local(on, time(18)))
        db.session.add(day)
        db.session.commit()
    return day


def make_venue(name: str = "Hall", **fields) -> Venue:
    venue = Venue(key=f"venue-{next(_serial)}", name=text(name), site=text("Shanghai Film Art Center"),
                  description=text(""), **fields)
    db.session.add(venue)
    db.session.commit()
    return venue


def make_slot(*, on: date = date(2026, 6, 14), start: time = time(11), end: time = time(12),
              kind: str = "workshop", title: str = "Workshop", venue: Venue | None = None,
              capacity: int | None = None, **fields) -> Slot:
    """A session on an exhibition day; registration is required when it has a capacity."""
    slot = Slot(day=make_day(on), venue=venue or make_venue(), kind=kind, title=text(title),
                description=text(f"About {title}"), starts_at=at_local(on, start),
                ends_at=at_local(on, end), capacity=capacity,
                requires_registration=capacity is not None, **fields)
    db.session.add(slot)
    db.session.commit()
    return slot


def make_round(*, on: date = date(2026, 6, 14), start: time = time(10), end: time = time(12),
               beat_count: int = 3, theme: str = "A message from tomorrow", slot: Slot | None = None,
               **fields) -> ChallengeRound:
    """A My Story round; the default one is open at the demo clock (10:30 on 14 June)."""
    challenge_round = ChallengeRound(title=text(f"Round {next(_serial)}"), theme=text(theme),
                                     starts_at=at_local(on, start), ends_at=at_local(on, end),
                                     beat_count=beat_count, slot_id=slot.id if slot else None, **fields)
    db.session.add(challenge_round)
    db.session.commit()
    return challenge_round


def make_story(challenge_round: ChallengeRound | None = None, *, status: str = "pending",
               title: str = "The Last Message", created_at: datetime | None = None,
               approved_at: datetime | None = None, flagged_terms: tuple[str, ...] = (),
               frames: dict[int, bytes] | None = None, **fields) -> Story:
    """A story row as if sent and moderated (for tests about what is shown, not how it got there).

    `frames` maps a beat index to PNG bytes (see `png`)."""
    challenge_round = challenge_round or make_round()
    created_at = created_at or challenge_round.starts_at + timedelta(minutes=5)
    if status == "approved" and approved_at is None:
        approved_at = created_at + timedelta(minutes=1)
    serial = next(_serial)
    story = Story(round=challenge_round, nonce=f"story-nonce-{serial:08d}", locale="en",
                  author=f"Author {serial}", title=title, logline="A logline.",
                  beats=[f"Beat {n + 1}." for n in range(challenge_round.beat_count)],
                  status=status, flagged_terms=list(flagged_terms), frame_count=len(frames or {}),
                  created_at=created_at, approved_at=approved_at, answer={}, **fields)
    for beat, data in (frames or {}).items():
        with Image.open(io.BytesIO(data)) as image:
            story.frames.append(StoryFrame(beat=beat, png=data, width=image.width, height=image.height))
    db.session.add(story)
    db.session.flush()
    story.answer = {"id": story.id, "round_id": challenge_round.id, "status": "pending"}
    db.session.commit()
    return story


def png(width: int = 80, height: int = 45, colour: str = "navy") -> bytes:
    """A small real PNG, as a kiosk's drawing canvas exports it."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
