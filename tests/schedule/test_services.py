"""Schedule queries: filters and what is on now and next."""
from datetime import date, time

from app.clock import at_local
from app.schedule import services
from tests.builders import make_slot, make_venue


def test_list_slots_filters_by_day_venue_and_kind(app):
    hall = make_venue("Hall A")
    first = make_slot(on=date(2026, 6, 14), kind="workshop", venue=hall, capacity=10)
    second = make_slot(on=date(2026, 6, 15), kind="open_set", venue=hall)
    other = make_slot(on=date(2026, 6, 14), kind="open_set")

    assert services.list_slots(day=date(2026, 6, 14)) == [first, other]
    assert services.list_slots(venue_id=hall.id) == [first, second]
    assert services.list_slots(kind="open_set") == [other, second]
    assert services.list_slots(day=date(2026, 6, 14), kind="workshop") == [first]


def test_now_and_next_leaves_out_finished_and_cancelled(app):
    running = make_slot(start=time(10), end=time(11), title="Running")
    soon = make_slot(start=time(11), end=time(12), title="Soon")
    make_slot(start=time(9), end=time(10), title="Over")
    make_slot(start=time(11), end=time(12), title="Cancelled", status="cancelled")
    make_slot(start=time(16), end=time(17), title="Later")

    on_now, up_next = services.now_and_next(at_local(date(2026, 6, 14), time(10, 30)))

    assert on_now == [running]
    assert up_next == [soon]
