"""Audit summaries read in the reader's language: kept as words and values, shown in zh or en."""
from datetime import date, time

from flask_babel import force_locale

from app.clock import at_local
from app.extensions import db
from app.schedule import editing
from app.schedule.rules import SlotDraft
from app.staff import audit
from app.staff.models import AuditEntry
from app.staff.services import add_staff
from tests.builders import make_day, make_venue

DAY = date(2026, 6, 14)


def add_session(actor):
    venue = make_venue("Workshop room")
    return editing.create_slot(SlotDraft(
        kind="workshop", title={"zh": "分镜工作坊", "en": "Storyboard workshop"}, description={"zh": "", "en": ""},
        venue_id=venue.id, starts_at=at_local(DAY, time(14)), ends_at=at_local(DAY, time(15)), capacity=12),
        actor=actor)


def test_a_summary_is_shown_in_the_readers_language_with_the_titles_in_it(app):
    make_day(DAY)
    admin = add_staff("admin@example.org", "admin").member
    add_session(admin)
    [entry] = audit.search(action="slot.create")

    assert entry.summary == "Added session \u201cStoryboard workshop\u201d"
    with force_locale("zh"):
        assert audit.summary(entry) == "添加了场次“分镜工作坊”"
    with force_locale("en"):
        assert audit.summary(entry) == "Added session \u201cStoryboard workshop\u201d"


def test_a_lazy_label_is_kept_in_both_languages_as_it_was_then(app):
    admin = add_staff("admin@example.org", "admin").member
    add_staff("gate@example.org", "gate", actor=admin)
    entry = audit.search(action="staff.add")[0]  # the gate account (newest first)

    assert entry.wording["args"]["role"] == {"zh": "检票员", "en": "Gate staff"}
    with force_locale("zh"):
        assert audit.summary(entry) == "添加了 gate@example.org，角色：检票员"


def test_an_entry_without_wording_or_with_a_wording_that_no_longer_fits_shows_its_english_summary(app):
    old = AuditEntry(at=at_local(DAY, time(9)), action="slot.create", target_type="slot", target_id=1,
                     summary="Added session \u201cOld\u201d", details={})
    misfit = AuditEntry(at=at_local(DAY, time(9)), action="slot.create", target_type="slot", target_id=2,
                        summary="Added session \u201cKept\u201d", details={},
                        wording={"text": "Added session \u201c%(title)s\u201d", "args": {"name": "no title"}})
    db.session.add_all([old, misfit])
    db.session.commit()

    with force_locale("zh"):
        assert [audit.summary(entry) for entry in (old, misfit)] == [
            "Added session \u201cOld\u201d", "Added session \u201cKept\u201d"]


def test_the_audit_page_follows_the_readers_language(app, admin_client):
    make_day(DAY)
    add_session(add_staff("planner@example.org", "admin").member)

    in_chinese = admin_client.get("/staff/audit?action=slot.&lang=zh").get_data(as_text=True)
    in_english = admin_client.get("/staff/audit?action=slot.&lang=en").get_data(as_text=True)

    assert "添加了场次“分镜工作坊”" in in_chinese and "Added session" not in in_chinese
    assert "Added session \u201cStoryboard workshop\u201d" in in_english and "添加了场次" not in in_english


def test_a_day_in_a_summary_reads_as_the_reader_writes_a_date(app):
    admin = add_staff("admin@example.org", "admin").member
    editing.save_day(make_day(DAY), on=DAY, opens_at=at_local(DAY, time(10)), closes_at=at_local(DAY, time(20)),
                     entry_capacity=500, actor=admin)
    [entry] = audit.search(action="day.update")

    assert entry.summary == "Changed day Sun 14 June"
    with force_locale("zh"):
        assert audit.summary(entry) == "修改了展期日 6月14日 周日"
