"""An exhibition with visitors in it, made through the services as the app makes it: online
and walk-in registrations (mails in the outbox), check-ins at a gate and by hand (audit-logged),
a story whose author gave a ticket, votes and a juror's marks."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from itertools import count

from app import clock
from app.challenge import jury, stories, votes
from app.checkin.models import DAY_ENTRY
from app.checkin.services import ScanRequest, check_in, manual_check_in, undo_check_in
from app.clock import at_local
from app.extensions import db
from app.staff.models import StaffMember
from app.tickets import services as tickets
from app.tickets.models import Ticket
from app.tickets.rules import RegistrationRequest
from app.tickets.walk_in import register_walk_in
from tests.builders import make_day, make_round, make_slot, make_story

DAY = date(2026, 6, 14)
_visitors = count(1)


@dataclass
class Population:
    slot_id: int
    story_ids: list[int]
    #: Every visitor's code, in ticket order.
    codes: list[str] = field(default_factory=list)
    #: Every name and email a visitor gave.
    personal: list[str] = field(default_factory=list)


def register(population: Population, companions: tuple[str, ...] = ()) -> list[Ticket]:
    """One online registration (with a confirmation mail) for the day and the session."""
    number = next(_visitors)
    name, email = f"Qianfeng Visitor{number:03d}", f"visitor{number:03d}.private@example.org"
    registration = tickets.register(RegistrationRequest(
        name=name, email=email, days=[DAY], session_ids=[population.slot_id], locale="en", consent=True,
        companions=list(companions)))
    population.personal += [name, email, *companions]
    population.codes += [ticket.code for ticket in registration.tickets]
    return registration.tickets


def staff(role: str) -> StaffMember:
    """An account without a usable password: signing in is not what these tests are about, and
    hashing one costs 0.2 s."""
    member = StaffMember(email=f"{role}@example.org", name=role.title(), role=role, password_hash="-",
                         created_at=clock.now())
    db.session.add(member)
    db.session.commit()
    return member


def populate() -> Population:
    """Four online visitors (two on the session's waiting list), two walk-ins, scans, a story, votes."""
    make_day(DAY, capacity=1000)
    slot = make_slot(start=time(14), end=time(15), capacity=3)
    challenge_round = make_round()
    gate, kiosk, moderator, juror = (staff(role) for role in ("gate", "kiosk", "moderator", "jury"))
    population = Population(slot_id=slot.id, story_ids=[])
    online = register(population, companions=("Lin Companion王小明",)) + register(population) + register(population)
    walk_in = register_walk_in(name="Chen Walkin陈静怡", day=DAY, session_ids=[], people=2,
                               companions=["Zhou Guest周杰"], locale="zh", actor=gate)
    population.personal += ["Chen Walkin陈静怡", "Zhou Guest周杰"]
    population.codes += [ticket.code for ticket in walk_in.tickets]

    at_gate = at_local(DAY, time(10, 15))
    for number, ticket in enumerate(online):
        assert check_in(ScanRequest(scan=ticket.code, gate="North", nonce=f"gate-nonce-{number}"),
                        now=at_gate)["result"] == "ok"
    assert check_in(ScanRequest(scan="NOT-A-TICKET-CODE-000", gate="North"), now=at_gate)["result"] == "unknown_ticket"
    manual_check_in(walk_in.tickets[0], gate, now=at_gate)
    check_in(ScanRequest(scan=walk_in.tickets[1].code, gate="South"), now=at_gate)
    undo_check_in(walk_in.tickets[1], db.session.get(Ticket, walk_in.tickets[1].id).entries[0].day, DAY_ENTRY,
                  gate, now=at_gate)

    answer, _ = stories.submit({"author": "Starling", "title": "Tomorrow Calls", "locale": "en",
                                "logline": "A phone rings with tomorrow's news.", "nonce": "kiosk-1-0001",
                                "beats": ["It rings.", "She answers.", "It is her own voice."],
                                "ticket_code": online[0].code}, kiosk=kiosk)
    told = stories.approve(stories.get_story(answer["id"]), actor=moderator)
    other = make_story(challenge_round, status="approved", title="The Quiet Lot")
    population.story_ids = [told.id, other.id]
    for ticket in online:
        votes.cast(ticket.code, told.id)
    votes.cast(online[0].code, other.id)
    marks = {"scores": {item["key"]: 7 for item in jury.criteria()}, "comment": "Tender."}
    for story in (told, other):
        jury.save_score(juror, story, marks)
    db.session.commit()
    return population

