"""Challenge rounds: which one is open, and staff creating, editing, opening and closing them.

Rounds never overlap (checked under a lock), which is what keeps "one round open at a
time" true; opening and closing are moves of the window's edges to now.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import clock
from app.challenge import rules
from app.challenge.models import ChallengeRound, Story
from app.db import serialize_on, unit_of_work
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.i18n import localized
from app.realtime import publish
from app.schedule.models import Slot
from app.staff import audit

TEXT_MAX = 120
VOTES_MAX = 20
LOCALES = ("zh", "en")


@dataclass
class RoundForm:
    """What staff set on a round."""

    title: dict
    theme: dict
    starts_at: datetime
    ends_at: datetime
    beat_count: int = 3
    session_id: int | None = None
    votes_per_ticket: int = 3
    audience_weight: int = 50
    jury_weight: int = 50


def list_rounds() -> list[ChallengeRound]:
    return list(db.session.scalars(select(ChallengeRound).order_by(ChallengeRound.starts_at)))


def get_round(round_id: int) -> ChallengeRound:
    found = db.session.get(ChallengeRound, round_id)
    if found is None:
        raise DomainError("round_not_found", _l("This round does not exist."), status=404)
    return found


def open_round(now: datetime | None = None) -> ChallengeRound | None:
    """The round stories join now, if any."""
    now = now or clock.now()
    return db.session.scalars(select(ChallengeRound).where(ChallengeRound.starts_at <= now,
                                                           ChallengeRound.ends_at > now)).first()


def next_round(now: datetime | None = None) -> ChallengeRound | None:
    now = now or clock.now()
    return db.session.scalars(select(ChallengeRound).where(ChallengeRound.starts_at > now)
                              .order_by(ChallengeRound.starts_at)).first()


def current_round(now: datetime | None = None) -> ChallengeRound | None:
    """The open round, else the one that closed last (whose results are shown), else the next."""
    now = now or clock.now()
    return (open_round(now)
            or db.session.scalars(select(ChallengeRound).where(ChallengeRound.ends_at <= now)
                                  .order_by(ChallengeRound.ends_at.desc())).first()
            or next_round(now))


def validate(form: RoundForm, *, exclude_id: int | None = None) -> None:
    fields = {}
    for name in ("title", "theme"):
        value = getattr(form, name)
        for locale in LOCALES:
            raw = value.get(locale) if isinstance(value, dict) else None
            text = rules.clean_line(raw) if isinstance(raw, str) else ""
            if not text:
                fields[f"{name}.{locale}"] = _l("Please fill this in.")
            elif rules.length(text) > TEXT_MAX:
                fields[f"{name}.{locale}"] = _l("At most %(limit)d characters.", limit=TEXT_MAX)
            elif isinstance(value, dict):
                value[locale] = text
    if not rules.BEATS_MIN <= form.beat_count <= rules.BEATS_MAX:
        fields["beat_count"] = _l("From %(low)d to %(high)d beats.", low=rules.BEATS_MIN, high=rules.BEATS_MAX)
    if not 1 <= form.votes_per_ticket <= VOTES_MAX:
        fields["votes_per_ticket"] = _l("From %(low)d to %(high)d votes.", low=1, high=VOTES_MAX)
    if form.audience_weight < 0 or form.jury_weight < 0 or form.audience_weight + form.jury_weight <= 0:
        fields["weights"] = _l("Two numbers of at least 0, not both 0, e.g. {\"audience\": 50, \"jury\": 50}.")
    if form.ends_at <= form.starts_at:
        fields["ends_at"] = _l("The end must come after the start.")
    if form.session_id is not None:
        slot = db.session.get(Slot, form.session_id)
        if slot is None or slot.kind != "challenge":
            fields["session_id"] = _l("Choose a My Story session of the programme.")
    if fields:
        raise ValidationFailed(fields)
    others = db.session.scalars(select(ChallengeRound).where(ChallengeRound.id != (exclude_id or 0)))
    clash = rules.round_overlaps(form.starts_at, form.ends_at, others)
    if clash is not None:
        raise DomainError("round_overlap", _l(
            "This overlaps the round \u201c%(title)s\u201d (%(starts)s\u2013%(ends)s): only one round is open at a time.",
            title=localized(clash.title), starts=_edge(clash.starts_at), ends=_edge(clash.ends_at)),
            status=409)


def _edge(moment: datetime) -> str:
    """A round's edge as staff read it: day and wall-clock time."""
    return clock.local(moment).strftime("%m-%d %H:%M")


def _apply(challenge_round: ChallengeRound, form: RoundForm) -> None:
    challenge_round.title = {locale: form.title[locale] for locale in LOCALES}
    challenge_round.theme = {locale: form.theme[locale] for locale in LOCALES}
    challenge_round.starts_at, challenge_round.ends_at = form.starts_at, form.ends_at
    challenge_round.beat_count = form.beat_count
    challenge_round.slot_id = form.session_id
    challenge_round.votes_per_ticket = form.votes_per_ticket
    challenge_round.audience_weight, challenge_round.jury_weight = form.audience_weight, form.jury_weight


def create_round(form: RoundForm, *, actor, now: datetime | None = None) -> ChallengeRound:
    with unit_of_work():
        serialize_on("challenge-rounds")  # the overlap check and the insert are one step
        validate(form)
        challenge_round = ChallengeRound()
        _apply(challenge_round, form)
        db.session.add(challenge_round)
        db.session.flush()
        audit.record(actor, "round.create", challenge_round,
                     audit.said("Added the round \u201c%(title)s\u201d", title=form.title), now=now)
    publish.round_changed()
    return challenge_round


def _story_count(challenge_round: ChallengeRound) -> int:
    return db.session.scalar(select(func.count()).select_from(Story).where(Story.round_id == challenge_round.id))


def update_round(challenge_round: ChallengeRound, form: RoundForm, *, actor,
                 now: datetime | None = None) -> ChallengeRound:
    """Change a round; its number of beats is fixed once stories were sent to it."""
    with unit_of_work():
        serialize_on("challenge-rounds")
        if form.beat_count != challenge_round.beat_count and _story_count(challenge_round):
            raise DomainError("round_has_stories",
                              _l("Stories were already sent to this round: its number of beats stays."),
                              status=409)
        validate(form, exclude_id=challenge_round.id)
        before = {"starts_at": challenge_round.starts_at, "ends_at": challenge_round.ends_at,
                  "beat_count": challenge_round.beat_count, "theme": challenge_round.theme,
                  "votes_per_ticket": challenge_round.votes_per_ticket, "weights": challenge_round.weights}
        _apply(challenge_round, form)
        after = {"starts_at": form.starts_at, "ends_at": form.ends_at, "beat_count": form.beat_count,
                 "theme": form.theme, "votes_per_ticket": form.votes_per_ticket,
                 "weights": {"audience": form.audience_weight, "jury": form.jury_weight}}
        audit.record(actor, "round.update", challenge_round,
                     audit.said("Changed the round \u201c%(title)s\u201d", title=form.title),
                     details=audit.changes(before, after), now=now)
    publish.round_changed()
    return challenge_round


def form_of(challenge_round: ChallengeRound, **changes) -> RoundForm:
    form = RoundForm(title=dict(challenge_round.title), theme=dict(challenge_round.theme),
                     starts_at=challenge_round.starts_at, ends_at=challenge_round.ends_at,
                     beat_count=challenge_round.beat_count, session_id=challenge_round.slot_id,
                     votes_per_ticket=challenge_round.votes_per_ticket,
                     audience_weight=challenge_round.audience_weight, jury_weight=challenge_round.jury_weight)
    for name, value in changes.items():
        setattr(form, name, value)
    return form


def open_now(challenge_round: ChallengeRound, *, actor, now: datetime | None = None) -> ChallengeRound:
    """Open a scheduled round at once (its end stays, or is an hour away if already past)."""
    now = clock.now() if now is None else now
    if challenge_round.status_at(now) == "open":
        return challenge_round
    ends_at = challenge_round.ends_at if challenge_round.ends_at > now else now + timedelta(hours=1)
    return update_round(challenge_round, form_of(challenge_round, starts_at=now, ends_at=ends_at),
                        actor=actor, now=now)


def close_now(challenge_round: ChallengeRound, *, actor, now: datetime | None = None) -> ChallengeRound:
    """Stop taking stories for the open round now."""
    now = clock.now() if now is None else now
    if challenge_round.status_at(now) != "open":
        raise DomainError("round_not_open", _l("This round is not open."), status=409)
    return update_round(challenge_round, form_of(challenge_round, ends_at=now), actor=actor, now=now)
