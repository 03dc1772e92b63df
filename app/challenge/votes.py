"""Visitors' votes: one checked-in ticket, `votes_per_ticket` votes a round, one per story.

Both limits are the database's, never a look-up before the insert: the unique
(ticket, story) constraint refuses a second vote for a story, and the ballot's
conditional UPDATE (`used < votes_per_ticket`) refuses one vote too many. A
refused vote rolls back whole, so nothing of it is left.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import clock
from app.challenge.models import Ballot, ChallengeRound, Story, Vote
from app.checkin.models import DAY_ENTRY, Presence
from app.checkin.rules import ticket_code as read_ticket_code
from app.db import execute_core, insert_or_update, unit_of_work
from app.errors import DomainError
from app.extensions import db
from app.ids import is_id
from app.realtime import publish
from app.schedule.models import ExhibitionDay
from app.tickets.models import Ticket


@dataclass
class BallotState:
    """What a phone shows: the round open for voting, and this ticket's votes in it."""

    round_id: int | None
    votes_per_ticket: int
    left: int
    story_ids: list[int]
    checked_in: bool

    def as_json(self) -> dict:
        return {"round_id": self.round_id, "votes_per_ticket": self.votes_per_ticket, "left": self.left,
                "story_ids": self.story_ids, "checked_in": self.checked_in}


def voting_rounds(now: datetime | None = None) -> list[ChallengeRound]:
    """Rounds open for voting now, the latest first (usually one)."""
    now = now or clock.now()
    candidates = db.session.scalars(select(ChallengeRound).where(ChallengeRound.voting != "closed",
                                                                 ChallengeRound.starts_at <= now)
                                    .order_by(ChallengeRound.starts_at.desc()))
    return [item for item in candidates if item.voting_open_at(now)]


def voting_round(now: datetime | None = None) -> ChallengeRound | None:
    """The round phones vote in now: the latest one open for voting."""
    found = voting_rounds(now)
    return found[0] if found else None


@dataclass(frozen=True)
class Voter:
    """A ticket as voting needs it: whether it may vote, and whether it came in today."""

    id: int
    is_active: bool
    checked_in: bool


_TODAY = select(ExhibitionDay.id).where(ExhibitionDay.date == bindparam("today")).scalar_subquery()
#: The ticket of a code, and whether it came in through the entrance today: one SELECT, built once.
_VOTER = select(Ticket.id, Ticket.status, exists().where(
    Presence.ticket_id == Ticket.id, Presence.slot_id == DAY_ENTRY, Presence.day_id == _TODAY)
).where(Ticket.code == bindparam("code"))
_VOTES_OF = (select(Vote.story_id).where(Vote.ticket_id == bindparam("ticket"), Vote.round_id == bindparam("round"))
             .order_by(Vote.id))


def find_voter(code_text, now: datetime | None = None) -> Voter:
    """The ticket of a code, its ticket URL or a scan of its QR; 404 when there is none."""
    code = read_ticket_code(code_text) if isinstance(code_text, str) else None
    row = execute_core(_VOTER, {"code": code, "today": clock.today(now)}).first() if code else None
    if row is None:
        raise DomainError("ticket_not_found", _l("We do not know this ticket. Check the code on your ticket."),
                          status=404)
    ticket_id, status, checked_in = row
    return Voter(ticket_id, status == "active", bool(checked_in))


def _active(voter: Voter) -> Voter:
    if not voter.is_active:
        raise DomainError("ticket_cancelled", _l("This ticket was cancelled, so it cannot vote."), status=403)
    return voter


def _story(story_id) -> Story:
    """The story with its round (one SELECT)."""
    story = (db.session.get(Story, story_id, options=[joinedload(Story.round)])
             if is_id(story_id) else None)
    if story is None:
        raise DomainError("story_not_found", _l("This story does not exist."), status=404)
    return story


def _open_round_of(story: Story, now: datetime) -> ChallengeRound:
    """The story's round, if votes are taken for it now; otherwise the refusal that says why."""
    challenge_round = story.round
    if not challenge_round.voting_open_at(now):
        if voting_round(now) is not None:
            raise DomainError("story_not_votable", _l("This story is not in the round you are voting in now."),
                              status=409)
        raise DomainError("voting_closed", _l("Voting is closed."), status=409)
    return challenge_round


@cache
def _ballot_count(dialect: str):
    """One more vote on a ticket's ballot for a round unless it has `limit` already: one upsert
    (two first votes at once make one ballot), built once per database kind."""
    return (insert_or_update(dialect, Ballot)
            .on_conflict_do_update(index_elements=["round_id", "ticket_id"], set_={"used": Ballot.used + 1},
                                   where=Ballot.used < bindparam("limit"))
            .returning(Ballot.used))


_CAST = insert(Vote)


def _count_vote(challenge_round: ChallengeRound, ticket_id: int) -> bool:
    """Count one more vote on the ticket's ballot; False when the ballot is full."""
    if challenge_round.votes_per_ticket < 1:
        return False
    return execute_core(_ballot_count(db.session.get_bind().dialect.name), {
        "round_id": challenge_round.id, "ticket_id": ticket_id, "used": 1,
        "limit": challenge_round.votes_per_ticket}).first() is not None


def cast(code_text, story_id, *, now: datetime | None = None) -> BallotState:
    """One vote for one story; answers the ticket's ballot after it."""
    now = now or clock.now()
    ticket = find_voter(code_text, now)
    story = _story(story_id)
    try:
        with unit_of_work():
            _active(ticket)
            if not ticket.checked_in:
                raise DomainError("not_checked_in", _l(
                    "Your ticket has not been checked in at the entrance today. Scan it at the door first."),
                    status=403)
            if story.status != "approved":
                raise DomainError("story_not_votable", _l("This story was withdrawn and cannot be voted for."),
                                  status=409)
            challenge_round = _open_round_of(story, now)
            execute_core(_CAST, {"round_id": challenge_round.id, "story_id": story.id, "ticket_id": ticket.id,
                                 "created_at": now})
            if not _count_vote(challenge_round, ticket.id):
                raise DomainError("no_votes_left", _l(
                    "You have used all %(count)d of your votes in this round.",
                    count=challenge_round.votes_per_ticket), status=409)
    except IntegrityError:
        raise DomainError("already_voted", _l("You already voted for this story."), status=409) from None
    publish.leaderboard_changed(story.round_id)
    return ballot_state(ticket, challenge_round)


def withdraw(code_text, story_id, *, now: datetime | None = None) -> None:
    """Take a vote back while its round's voting is open (taking back no vote is harmless)."""
    now = now or clock.now()
    ticket = find_voter(code_text, now)
    story = _story(story_id)
    with unit_of_work():
        _active(ticket)
        challenge_round = _open_round_of(story, now)
        removed = db.session.execute(delete(Vote).where(Vote.ticket_id == ticket.id, Vote.story_id == story.id)
                                     .execution_options(synchronize_session=False)).rowcount
        if removed:
            db.session.execute(update(Ballot).where(Ballot.round_id == challenge_round.id,
                                                    Ballot.ticket_id == ticket.id, Ballot.used > 0)
                               .values(used=Ballot.used - 1).execution_options(synchronize_session=False))
    if removed:
        publish.leaderboard_changed(story.round_id)


def ballot_state(voter: Voter, challenge_round: ChallengeRound | None) -> BallotState:
    """The ticket's votes in the round."""
    if challenge_round is None:
        return BallotState(None, 0, 0, [], voter.checked_in)
    story_ids = list(execute_core(_VOTES_OF, {"ticket": voter.id, "round": challenge_round.id}).scalars())
    return BallotState(challenge_round.id, challenge_round.votes_per_ticket,
                       max(challenge_round.votes_per_ticket - len(story_ids), 0), story_ids, voter.checked_in)


def ballot(code_text, *, now: datetime | None = None) -> BallotState:
    """A ticket's votes in the round open for voting now."""
    now = now or clock.now()
    return ballot_state(_active(find_voter(code_text, now)), voting_round(now))
