"""Staff edits of the programme: rules enforced, audit written, nothing half-done."""
from datetime import date, time

import pytest
from sqlalchemy import update

from app.clock import at_local
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.schedule import editing, services
from app.schedule.models import Slot
from app.schedule.rules import SlotDraft
from app.staff import audit
from app.staff.services import add_staff
from tests.builders import make_day, make_slot, make_venue

DAY = date(2026, 6, 14)


@pytest.fixture
def admin(app):
    make_day(DAY)
    return add_staff("admin@example.org", "admin").member


def draft(venue, start=time(14), end=time(15), **fields) -> SlotDraft:
    values = dict(kind="workshop", title={"zh": "分镜工作坊", "en": "Storyboard workshop"},
                  description={"zh": "", "en": ""}, venue_id=venue.id,
                  starts_at=at_local(DAY, start), ends_at=at_local(DAY, end), capacity=12)
    return SlotDraft(**{**values, **fields})


def test_create_slot_writes_it_and_the_audit_entry(app, admin):
    venue = make_venue("Workshop room")

    slot = editing.create_slot(draft(venue), actor=admin)

    assert services.get_slot(slot.id).title["en"] == "Storyboard workshop"
    assert slot.requires_registration and slot.seats_remaining == 12
    [entry] = audit.search(action="slot.create")
    assert entry.actor_id == admin.id and entry.target_id == slot.id
    assert entry.details["capacity"] == [None, 12]


def test_overlap_in_the_same_venue_is_refused_naming_the_clash(app, admin):
    venue = make_venue("Studio A")
    make_slot(venue=venue, start=time(13, 30), end=time(14, 30), title="Open set: Lightcone")

    with pytest.raises(DomainError) as refused:
        editing.create_slot(draft(venue), actor=admin)

    assert refused.value.code == "venue_clash"
    assert "Open set: Lightcone" in str(refused.value.message)
    assert "13:30" in str(refused.value.message)
    assert db.session.query(Slot).count() == 1
    assert audit.search(action="slot.create") == []


def test_back_to_back_and_other_venues_are_fine(app, admin):
    venue = make_venue("Studio A")
    make_slot(venue=venue, start=time(13), end=time(14))
    editing.create_slot(draft(venue), actor=admin)
    editing.create_slot(draft(make_venue("Studio B"), start=time(13, 30)), actor=admin)
    assert db.session.query(Slot).count() == 3


def test_end_before_start_is_refused(app, admin):
    with pytest.raises(ValidationFailed) as refused:
        editing.create_slot(draft(make_venue(), start=time(15), end=time(14)), actor=admin)
    assert "ends_at" in refused.value.fields


def test_move_keeps_the_rules_and_records_the_change(app, admin):
    venue, other = make_venue("Studio A"), make_venue("Studio B")
    make_slot(venue=other, start=time(16), end=time(17))
    slot = editing.create_slot(draft(venue), actor=admin)

    with pytest.raises(DomainError):
        editing.update_slot(slot, draft(other, start=time(16, 30), end=time(17, 30)), actor=admin)
    moved = editing.update_slot(slot, draft(other, start=time(17), end=time(18)), actor=admin)

    assert moved.venue_id == other.id and services.get_slot(slot.id).starts_at == at_local(DAY, time(17))
    [entry] = audit.search(action="slot.update")
    assert set(entry.details) == {"venue_id", "starts_at", "ends_at"}


def test_capacity_below_places_taken_is_refused(app, admin):
    venue = make_venue()
    slot = editing.create_slot(draft(venue), actor=admin)
    db.session.execute(update(Slot).where(Slot.id == slot.id).values(seats_taken=8))
    db.session.commit()

    with pytest.raises(DomainError) as refused:
        editing.update_slot(slot, draft(venue, capacity=5), actor=admin)

    assert refused.value.code == "capacity_below_taken"
    db.session.expire_all()
    assert services.get_slot(slot.id).capacity == 12


def test_cancel_and_restore(app, admin):
    venue = make_venue()
    slot = editing.create_slot(draft(venue), actor=admin)

    editing.set_slot_cancelled(slot, True, actor=admin)
    make_slot(venue=venue, start=time(14), end=time(15), title="Replacement")

    assert services.get_slot(slot.id).is_cancelled
    with pytest.raises(DomainError):  # its time is taken now
        editing.set_slot_cancelled(slot, False, actor=admin)
    assert [e.action for e in audit.search(action="slot.")] == ["slot.cancel", "slot.create"]


def test_day_capacity_and_hours(app, admin):
    day = make_day(DAY, capacity=100)
    with pytest.raises(ValidationFailed):
        editing.save_day(day, on=DAY, opens_at=at_local(DAY, time(18)), closes_at=at_local(DAY, time(10)),
                         entry_capacity=100, actor=admin)
    editing.save_day(day, on=DAY, opens_at=at_local(DAY, time(9)), closes_at=at_local(DAY, time(21)),
                     entry_capacity=900, actor=admin)
    assert services.list_days()[0].entry_capacity == 900
    with pytest.raises(DomainError) as refused:
        editing.save_day(None, on=DAY, opens_at=at_local(DAY, time(9)), closes_at=at_local(DAY, time(21)),
                         entry_capacity=10, actor=admin)
    assert refused.value.code == "day_exists"


def test_venue_needs_a_name_in_both_languages(app, admin):
    with pytest.raises(ValidationFailed) as refused:
        editing.save_venue(None, name={"zh": "", "en": "Hall"}, site={}, description={}, position=0,
                           actor=admin)
    assert "name.zh" in refused.value.fields
    venue = editing.save_venue(None, name={"zh": "一号厅", "en": "Hall 1"}, site={}, description={},
                               position=1, actor=admin)
    assert services.list_venues() == [venue]
