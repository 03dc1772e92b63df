"""The booking, gate and voting rules under random sequences of actions (hypothesis, stateful).

A plain-Python model runs beside the real services on a real database (SQLite
and PostgreSQL): visitors register (with companions) for two small sessions so
that waiting lists form, give back a place or the whole ticket, pass the
entrance in and out, vote and take votes back. After every step the database
must agree with the model, and:
- a session's confirmed places never exceed its capacity and equal its counter;
- waiting-list positions run 1..n, and a freed place goes to the earliest waiting;
- one entry gives one `ok`: again without an exit is already_checked_in;
- no ticket has more than votes_per_ticket votes in the round, or two for one story.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import time

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, consumes, initialize, invariant, multiple, rule,
                                 run_state_machine_as_test)
from sqlalchemy import delete, func, select

from app.challenge import votes
from app.challenge.models import Ballot, Vote
from app.checkin.models import DAY_ENTRY, Presence
from app.checkin.services import ScanRequest, check_in
from app.errors import DomainError
from app.extensions import db
from app.schedule.models import ExhibitionDay, Slot
from app.tickets import services
from app.tickets.models import Seat, Ticket
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_round, make_slot, make_story
from tests.conftest import DEMO_CLOCK

NOW = DEMO_CLOCK  # 10:30 on 14 June: entry open, the round taking votes, the sessions still to come
CAPACITIES = (2, 3)
VOTES_PER_TICKET = 2
STORIES = 3
ENTRANCE = None
#: Random sequences per database; PROPERTY_EXAMPLES raises it for a longer hunt (e.g. 500).
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "15"))


@dataclass
class Visitor:
    """What the model knows of one ticket."""

    code: str
    active: bool = True
    seats: dict[int, str] = field(default_factory=dict)  # slot index -> confirmed | waitlisted | cancelled
    inside: set = field(default_factory=set)  # ENTRANCE and slot indexes the holder is in
    entered: bool = False  # came in through the entrance today (needed to vote)
    votes: set[int] = field(default_factory=set)  # story indexes


def empty_database() -> None:
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))
    db.session.commit()


class Exhibition(RuleBasedStateMachine):
    tickets = Bundle("tickets")
    cast = Bundle("cast")  # (visitor, story) of votes counted

    def __init__(self):
        super().__init__()
        self.visitors: list[Visitor] = []
        self.waiting: dict[int, list[Visitor]] = {index: [] for index in range(len(CAPACITIES))}
        self.emails = 0
        self.slots: list[int] = []

    @initialize()
    def programme(self):
        empty_database()
        make_day(capacity=1000)
        # Their gates open from 10:00 (hours before the start), so that scans at NOW meet the seat rules.
        self.slots = [make_slot(start=time(14 + index), end=time(15 + index), capacity=capacity,
                                checkin_opens_minutes=(4 + index) * 60).id
                      for index, capacity in enumerate(CAPACITIES)]
        challenge_round = make_round(votes_per_ticket=VOTES_PER_TICKET)
        self.round_id = challenge_round.id
        self.stories = [make_story(challenge_round, status="approved").id for _ in range(STORIES)]

    # Actions ------------------------------------------------------------------------------------

    @rule(target=tickets, sessions=st.sets(st.sampled_from(range(len(CAPACITIES)))),
          companions=st.integers(0, 2))
    def register(self, sessions, companions):
        self.emails += 1
        registration = services.register(RegistrationRequest(
            name="Visitor", email=f"visitor{self.emails}@example.org", days=[NOW.date()],
            session_ids=[self.slots[index] for index in sessions], locale="en", consent=True,
            companions=[f"Companion {n}" for n in range(companions)]), now=NOW)
        party = [Visitor(ticket.code) for ticket in registration.tickets]
        self.visitors += party
        for index in sorted(sessions, key=lambda i: self.slots[i]):  # the services go in session id order
            for visitor in party:
                full = self.confirmed(index) >= CAPACITIES[index]
                visitor.seats[index] = "waitlisted" if full else "confirmed"
                if full:
                    self.waiting[index].append(visitor)
        return multiple(*party)

    @rule(visitor=tickets, index=st.sampled_from(range(len(CAPACITIES))))
    def cancel_seat(self, visitor, index):
        ticket = services.get_ticket(visitor.code)
        if index not in visitor.seats:
            try:
                services.cancel_seat(ticket, self.slots[index], now=NOW)
            except DomainError as error:
                assert error.code == "seat_not_found"
            else:
                raise AssertionError("a seat the ticket never had was given back")
            return
        services.cancel_seat(ticket, self.slots[index], now=NOW)
        self.give_back(visitor, index)

    @rule(visitor=tickets)
    def cancel_ticket(self, visitor):
        services.cancel_ticket(services.get_ticket(visitor.code), now=NOW)
        if visitor.active:
            for index in sorted(visitor.seats, key=lambda i: self.slots[i]):
                self.give_back(visitor, index)
            visitor.active = False  # a holder inside stays inside until they leave

    @rule(visitor=tickets, place=st.sampled_from([ENTRANCE, *range(len(CAPACITIES))]),
          direction=st.sampled_from(["in", "out"]))
    def scan(self, visitor, place, direction):
        session_id = None if place is ENTRANCE else self.slots[place]
        answer = check_in(ScanRequest(scan=visitor.code, gate="North", session_id=session_id,
                                      direction=direction), now=NOW)
        if direction == "out":
            expected = "ok" if place in visitor.inside else "not_inside"  # whoever is inside may leave
        elif not visitor.active:
            expected = "cancelled"
        elif place is not ENTRANCE and visitor.seats.get(place) != "confirmed":
            expected = "not_registered"  # waitlisted included
        else:
            expected = "already_checked_in" if place in visitor.inside else "ok"
        assert answer["result"] == expected
        if expected == "ok" and direction == "in":
            visitor.inside.add(place)
            visitor.entered |= place is ENTRANCE
        elif expected == "ok":
            visitor.inside.remove(place)

    @rule(target=cast, visitor=tickets, story=st.sampled_from(range(STORIES)))
    def vote(self, visitor, story):
        expected = (None if visitor.active and visitor.entered and story not in visitor.votes
                    and len(visitor.votes) < VOTES_PER_TICKET else self.refusal(visitor, story))
        try:
            votes.cast(visitor.code, self.stories[story], now=NOW)
        except DomainError as error:
            assert error.code == expected
            return multiple()
        assert expected is None, f"voted, but {expected} was due"
        visitor.votes.add(story)
        return visitor, story

    @rule(vote=consumes(cast))
    def withdraw_a_vote(self, vote):
        self.withdraw(*vote)

    @rule(visitor=tickets, story=st.sampled_from(range(STORIES)))
    def withdraw(self, visitor, story):
        try:
            votes.withdraw(visitor.code, self.stories[story], now=NOW)
        except DomainError as error:
            assert (error.code, visitor.active) == ("ticket_cancelled", False)
        else:
            assert visitor.active
            visitor.votes.discard(story)

    # The model's rules ----------------------------------------------------------------------------

    def confirmed(self, index: int) -> int:
        return sum(visitor.seats.get(index) == "confirmed" for visitor in self.visitors)

    def give_back(self, visitor: Visitor, index: int) -> None:
        """The place goes to the earliest waiting (or the visitor leaves the waiting list)."""
        status = visitor.seats[index]
        visitor.seats[index] = "cancelled"
        if status == "waitlisted":
            self.waiting[index].remove(visitor)
        elif status == "confirmed" and self.waiting[index]:
            self.waiting[index].pop(0).seats[index] = "confirmed"

    @staticmethod
    def refusal(visitor: Visitor, story: int) -> str:
        if not visitor.active:
            return "ticket_cancelled"
        if not visitor.entered:
            return "not_checked_in"
        return "already_voted" if story in visitor.votes else "no_votes_left"

    # Invariants ------------------------------------------------------------------------------------

    @invariant()
    def places_match_the_model(self):
        db.session.rollback()
        seats = {(ticket.code, seat.slot_id): seat.status
                 for ticket, seat in db.session.execute(select(Ticket, Seat).join(Seat, Seat.ticket_id == Ticket.id))}
        assert seats == {(visitor.code, self.slots[index]): status
                         for visitor in self.visitors for index, status in visitor.seats.items()}
        for index, slot_id in enumerate(self.slots):
            slot = db.session.get(Slot, slot_id)
            confirmed = sum(status == "confirmed" for (_, seat_slot), status in seats.items() if seat_slot == slot_id)
            assert confirmed == slot.seats_taken <= slot.capacity

    @invariant()
    def waiting_lists_run_one_to_n_in_the_model_order(self):
        for index, slot_id in enumerate(self.slots):
            waiting = db.session.scalars(select(Seat).where(Seat.slot_id == slot_id, Seat.status == "waitlisted")
                                         .order_by(Seat.id)).all()
            assert [services.waitlist_position(seat) for seat in waiting] == list(range(1, len(waiting) + 1))
            assert [seat.ticket.code for seat in waiting] == [visitor.code for visitor in self.waiting[index]]
            if waiting:
                assert self.confirmed(index) == CAPACITIES[index]  # nobody waits while a place is free

    @invariant()
    def presence_and_day_counters_match_the_model(self):
        if not self.visitors:
            return
        inside = set(db.session.execute(select(Ticket.code, Presence.slot_id).join(
            Presence, Presence.ticket_id == Ticket.id).where(Presence.inside.is_(True))).all())
        slot_ids = {ENTRANCE: DAY_ENTRY, **dict(enumerate(self.slots))}
        assert inside == {(visitor.code, slot_ids[place]) for visitor in self.visitors for place in visitor.inside}
        day = db.session.scalars(select(ExhibitionDay)).one()
        assert day.inside_now == sum(ENTRANCE in visitor.inside for visitor in self.visitors)
        assert day.entries_taken == sum(visitor.active for visitor in self.visitors)

    @invariant()
    def votes_stay_within_the_limits(self):
        if not self.visitors:
            return
        cast = {(code, story) for code, story in db.session.execute(
            select(Ticket.code, Vote.story_id).join(Vote, Vote.ticket_id == Ticket.id))}
        assert cast == {(visitor.code, self.stories[story]) for visitor in self.visitors for story in visitor.votes}
        per_ticket = dict(db.session.execute(select(Vote.ticket_id, func.count()).group_by(Vote.ticket_id)).all())
        used = dict(db.session.execute(select(Ballot.ticket_id, Ballot.used).where(Ballot.round_id == self.round_id)).all())
        assert all(count <= VOTES_PER_TICKET for count in per_ticket.values())
        assert {ticket: count for ticket, count in used.items() if count} == per_ticket


def test_bookings_gates_and_votes_keep_their_rules(app):
    run_state_machine_as_test(Exhibition, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=30, deadline=None, derandomize=True, database=None,
        suppress_health_check=[HealthCheck.too_slow]))
