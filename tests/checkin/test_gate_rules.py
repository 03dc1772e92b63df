"""The gates' rules, pure (no HTTP, no database): opening hours, check-in windows, scanned_at."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from app.checkin.rules import (SCANNED_AT_LEAD, checkin_window, day_entry_refusal, scanned_at_error,
                               session_entry_refusal)
from app.clock import at_local

JUNE_14, JUNE_15 = date(2026, 6, 14), date(2026, 6, 15)
OPENS, CLOSES = at_local(JUNE_14, time(10)), at_local(JUNE_14, time(20))


@pytest.mark.parametrize("moment,refusal", [
    (at_local(JUNE_14, time(7)), "too_early"),
    (at_local(JUNE_14, time(9, 59, 59)), "too_early"),
    (at_local(JUNE_14, time(10)), None),            # opening instant admits
    (at_local(JUNE_14, time(19, 59, 59)), None),
    (at_local(JUNE_14, time(20)), "closed"),        # closing instant does not
    (at_local(JUNE_14, time(23, 30)), "closed"),
    (at_local(JUNE_14, time(23, 59)), "closed"),
    (at_local(JUNE_15, time(0, 1)), "closed"),      # after midnight: still past the 14th's closing
    (at_local(date(2026, 6, 13), time(23, 59)), "too_early"),
])
def test_day_entry_within_the_opening_hours(moment, refusal):
    assert day_entry_refusal(OPENS, CLOSES, moment) == refusal


def test_day_entry_compares_instants_not_dates():
    """10:00 in Shanghai is 02:00 UTC the same day; 01:59 UTC is 09:59 local: too early."""
    assert day_entry_refusal(OPENS, CLOSES, datetime(2026, 6, 14, 1, 59, tzinfo=timezone.utc)) == "too_early"
    assert day_entry_refusal(OPENS, CLOSES, datetime(2026, 6, 14, 2, 0, tzinfo=timezone.utc)) is None
    # 15:59 UTC on the 14th is 23:59 local; 16:01 UTC on the 14th is already 00:01 on the 15th locally.
    assert day_entry_refusal(OPENS, CLOSES, datetime(2026, 6, 14, 16, 1, tzinfo=timezone.utc)) == "closed"


def test_a_session_window_opens_its_set_minutes_before_the_start_and_closes_at_the_end():
    starts, ends = at_local(JUNE_14, time(14)), at_local(JUNE_14, time(15))
    assert checkin_window(starts, ends, 30) == (at_local(JUNE_14, time(13, 30)), ends)
    assert checkin_window(starts, ends, 0) == (starts, ends)
    assert session_entry_refusal(starts, ends, 30, at_local(JUNE_14, time(13, 29, 59))) == "too_early"
    assert session_entry_refusal(starts, ends, 30, at_local(JUNE_14, time(13, 30))) is None
    assert session_entry_refusal(starts, ends, 30, at_local(JUNE_14, time(14, 59))) is None
    assert session_entry_refusal(starts, ends, 30, at_local(JUNE_14, time(15))) == "closed"
    assert session_entry_refusal(starts, ends, 30, at_local(JUNE_14, time(21))) == "closed"  # six hours on


def test_a_late_session_over_midnight():
    starts, ends = at_local(JUNE_14, time(23, 30)), at_local(JUNE_15, time(0, 30))
    assert session_entry_refusal(starts, ends, 30, at_local(JUNE_14, time(23, 59))) is None
    assert session_entry_refusal(starts, ends, 30, at_local(JUNE_15, time(0, 1))) is None
    assert session_entry_refusal(starts, ends, 30, at_local(JUNE_15, time(0, 30))) == "closed"
    assert session_entry_refusal(starts, ends, 30, at_local(JUNE_14, time(22, 59))) == "too_early"


def test_scanned_at_may_lead_the_server_by_a_few_minutes_only():
    now = at_local(JUNE_14, time(23, 58))
    assert SCANNED_AT_LEAD == timedelta(minutes=5)
    assert scanned_at_error(now, now) is None
    assert scanned_at_error(now - timedelta(hours=6), now) is None      # offline scans come late
    assert scanned_at_error(now + SCANNED_AT_LEAD, now) is None
    assert scanned_at_error(now + SCANNED_AT_LEAD + timedelta(seconds=1), now) is not None
    assert scanned_at_error(at_local(JUNE_15, time(0, 4)), now) is not None  # tomorrow, by a fast phone
    # Zones do not matter: the same instant written in UTC.
    assert scanned_at_error((now + timedelta(minutes=4)).astimezone(timezone.utc), now) is None
