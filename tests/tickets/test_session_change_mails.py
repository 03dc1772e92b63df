"""A session put back on the programme, or moved, tells each confirmed and waiting visitor in their
own language, with the new time (Shanghai) and place; over a real SMTP server."""
from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from app.clock import at_local
from app.errors import DomainError
from app.extensions import db
from app.schedule import editing
from app.schedule.models import Slot
from app.schedule.rules import SlotDraft
from app.staff.services import add_staff
from app.tickets import outbox, services
from app.tickets.models import OutboxMail
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_slot, make_venue

DAY = date(2026, 6, 14)


def register(email, locale, name, slot):
    return services.register(RegistrationRequest(name=name, email=email, days=[DAY], session_ids=[slot.id],
                                                 locale=locale, consent=True)).tickets[0]


@pytest.fixture
def workshop(app, smtp):
    """One place: Ann (en) holds it, 李雷 (zh) waits, the one who left is told nothing."""
    make_day(DAY)
    slot = make_slot(start=time(14), end=time(15), capacity=1, title="Storyboards")
    register("ann@example.org", "en", "Ann", slot)
    register("li@example.org", "zh", "李雷", slot)
    services.cancel_seat(register("gone@example.org", "en", "Gone", slot), slot.id)
    admin = add_staff("admin@example.org", "admin").member
    outbox.deliver_due()
    smtp.received.clear()
    return {"slot": db.session.get(Slot, slot.id), "admin": admin}


def delivered(smtp) -> dict[str, tuple[str, str]]:
    """Recipient → (subject, text) of what the SMTP server received."""
    outbox.deliver_due()
    return {item.rcpt_tos[0]: (item.message["Subject"],
                               item.message.get_body(("plain",)).get_content().replace("\r\n", "\n"))
            for item in smtp.received}


def draft_of(slot: Slot, **changes) -> SlotDraft:
    values = {field: getattr(slot, field) for field in ("kind", "title", "description", "venue_id", "starts_at",
                                                        "ends_at", "capacity", "film_id")}
    return SlotDraft(**{**values, **changes})


def test_restoring_a_cancelled_session_tells_its_visitors_in_their_language(workshop, mail_app, smtp):
    slot = workshop["slot"]
    editing.set_slot_cancelled(slot, True, actor=workshop["admin"])
    smtp.received.clear()
    outbox.deliver_due()
    smtp.received.clear()

    editing.set_slot_cancelled(slot, False, actor=workshop["admin"])

    mails = delivered(smtp)
    assert sorted(mails) == ["ann@example.org", "li@example.org"]
    subject, text = mails["ann@example.org"]
    assert subject == "Back on the programme: Storyboards"
    assert "Good news: this session is back on the programme. Your booking stands as it was:" in text
    assert "  Storyboards\n  Sun 14 June 14:00–15:00 · Hall\n  Confirmed\n" in text
    subject, text = mails["li@example.org"]
    assert subject == "活动恢复：Storyboards（中）"
    assert "好消息：这场活动已恢复举行，你的预约保持不变：" in text and "14:00–15:00" in text
    assert "候补" in text  # still waiting, and told so
    # Restoring again is a no-op: nobody hears twice.
    editing.set_slot_cancelled(slot, False, actor=workshop["admin"])
    assert db.session.scalar(select(OutboxMail).where(OutboxMail.sent_at.is_(None))) is None


def test_a_restore_refused_for_a_clash_mails_nobody(workshop, mail_app, smtp):
    slot = workshop["slot"]
    editing.set_slot_cancelled(slot, True, actor=workshop["admin"])
    delivered(smtp)
    smtp.received.clear()
    make_slot(venue=slot.venue, start=time(14), end=time(15), title="Took the room")

    with pytest.raises(DomainError):
        editing.set_slot_cancelled(slot, False, actor=workshop["admin"])

    assert delivered(smtp) == {}
    assert db.session.get(Slot, slot.id).status == "cancelled"


def test_a_move_in_time_gives_the_new_shanghai_time_in_each_language(workshop, mail_app, smtp):
    slot = workshop["slot"]

    editing.update_slot(slot, draft_of(slot, starts_at=at_local(DAY, time(16, 30)),
                                       ends_at=at_local(DAY, time(17, 15))), actor=workshop["admin"])

    mails = delivered(smtp)
    subject, text = mails["ann@example.org"]
    assert subject == "New time or place: Storyboards"
    assert ("  Storyboards\n  Before: Sun 14 June 14:00–15:00 · Hall\n  Now: Sun 14 June 16:30–17:15 · Hall\n"
            "  Confirmed\n") in text
    assert "All times are Shanghai time (UTC+8)." in text
    subject, text = mails["li@example.org"]
    assert subject == "时间或地点变更：Storyboards（中）"
    assert "  Storyboards（中）\n" in text
    assert "原定：6月14日" in text and "14:00–15:00 · Hall（中）\n" in text
    assert "改为：6月14日" in text and "16:30–17:15 · Hall（中）\n" in text


def test_a_move_to_another_venue_names_the_new_place_in_each_language(workshop, mail_app, smtp):
    slot = workshop["slot"]
    studio = make_venue("Studio 9")

    editing.update_slot(slot, draft_of(slot, venue_id=studio.id), actor=workshop["admin"])

    mails = delivered(smtp)
    assert "Before: Sun 14 June 14:00–15:00 · Hall\n  Now: Sun 14 June 14:00–15:00 · Studio 9\n" \
        in mails["ann@example.org"][1]
    assert "14:00–15:00 · Hall（中）\n" in mails["li@example.org"][1]
    assert "14:00–15:00 · Studio 9（中）\n" in mails["li@example.org"][1]
