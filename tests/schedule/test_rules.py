"""Scheduling rules as pure functions: overlaps, clashes and field checks."""
from dataclasses import dataclass
from datetime import date, datetime, time

import pytest

from app.clock import at_local
from app.schedule.rules import SlotDraft, find_clash, overlaps, slot_errors

DAY = date(2026, 6, 14)


def at(hh: int, mm: int = 0) -> datetime:
    return at_local(DAY, time(hh, mm))


@dataclass
class Existing:
    id: int
    venue_id: int
    starts_at: datetime
    ends_at: datetime
    status: str = "scheduled"


def draft(start=at(11), end=at(12), **fields) -> SlotDraft:
    values = dict(kind="workshop", title={"zh": "工作坊", "en": "Workshop"}, description={},
                  venue_id=1, starts_at=start, ends_at=end, capacity=20)
    return SlotDraft(**{**values, **fields})


@pytest.mark.parametrize("a,b,expected", [
    ((10, 11), (11, 12), False),   # back to back is fine
    ((10, 12), (11, 13), True),
    ((11, 12), (10, 13), True),    # inside
    ((10, 11), (12, 13), False),
])
def test_overlaps_is_half_open(a, b, expected):
    assert overlaps(at(a[0]), at(a[1]), at(b[0]), at(b[1])) is expected
    assert overlaps(at(b[0]), at(b[1]), at(a[0]), at(a[1])) is expected


def test_find_clash_names_the_overlapping_session_in_the_same_venue_only():
    others = [Existing(1, 1, at(9), at(10)), Existing(2, 2, at(11), at(12)),
              Existing(3, 1, at(11, 30), at(13)), Existing(4, 1, at(10, 30), at(11, 15), "cancelled")]
    assert find_clash(draft(), others).id == 3
    assert find_clash(draft(), others, slot_id=3) is None  # a session does not clash with itself
    assert find_clash(draft(venue_id=2), others).id == 2


def test_a_good_draft_has_no_errors():
    assert slot_errors(draft(), [DAY]) == {}
    assert slot_errors(draft(capacity=None), [DAY]) == {}


@pytest.mark.parametrize("changes,field", [
    ({"end": at(10)}, "ends_at"),
    ({"end": at(11)}, "ends_at"),
    ({"start": at_local(date(2026, 6, 16), time(11)), "end": at_local(date(2026, 6, 16), time(12))},
     "starts_at"),
    ({"end": at_local(date(2026, 6, 15), time(1))}, "ends_at"),
    ({"title": {"zh": "", "en": "Workshop"}}, "title.zh"),
    ({"title": {"zh": "工作坊", "en": "x" * 121}}, "title.en"),
    ({"kind": "party"}, "kind"),
    ({"capacity": 0}, "capacity"),
])
def test_bad_drafts_are_refused_by_field(changes, field):
    start, end = changes.pop("start", at(11)), changes.pop("end", at(12))
    assert field in slot_errors(draft(start, end, **changes), [DAY])
