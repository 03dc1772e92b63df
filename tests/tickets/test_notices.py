"""Notices to visitors, without HTTP: who receives one (per scope, one mail per address, in its
language), a preview that writes nothing, a send that is one transaction and happens once, and
the mails as a real SMTP server receives them."""
from __future__ import annotations

from datetime import date, time

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.errors import ValidationFailed
from app.extensions import db
from app.staff.models import AuditEntry
from app.staff.services import add_staff
from app.tickets import notices, outbox, services, walk_in
from app.tickets.links import ticket_url
from app.tickets.models import Notice, OutboxMail
from app.tickets.notices import NoticeDraft
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_slot
from tests.tickets.smtp import BASE_URL

DAY, NEXT_DAY = date(2026, 6, 14), date(2026, 6, 15)
SUBJECT = {"zh": "消防演习", "en": "Fire drill"}
BODY = {"zh": "今天 15:00 有消防演习。\n请听从工作人员指引。\n\n谢谢！",
        "en": "There is a fire drill at 15:00 today.\nPlease follow the staff.\n\nThank you!"}


def register(email, *, locale="en", name="Visitor", days=(DAY,), sessions=(), companions=()):
    return services.register(RegistrationRequest(
        name=name, email=email, days=list(days), session_ids=list(sessions), locale=locale, consent=True,
        companions=list(companions)))


def draft(scope="exhibition", **fields) -> NoticeDraft:
    return NoticeDraft(**{"scope": scope, "subject": SUBJECT, "body": BODY, **fields})


def written() -> tuple[int, int, int]:
    """Notices, notice mails and audit entries of notices in the database."""
    db.session.rollback()
    return (db.session.scalar(select(func.count()).select_from(Notice)),
            db.session.scalar(select(func.count()).where(OutboxMail.kind == "notice")),
            db.session.scalar(select(func.count()).where(AuditEntry.action == "notice.send")))


@pytest.fixture
def people(app):
    """Two days and a three-place workshop on the first:
    Ann (en) with her companion Bob, and Li (zh): confirmed; Wang (zh): waiting; Lu: left the
    workshop but keeps the day; a ticket cancelled; a walk-in without email; Li again, in English,
    for the second day."""
    app.config["BACKLOT_BASE_URL"] = BASE_URL
    make_day(DAY)
    second = make_day(NEXT_DAY)
    slot = make_slot(start=time(14), end=time(15), capacity=3, title="Storyboards")
    ann = register("ann@example.org", name="Ann", sessions=[slot.id], companions=["Bob"])
    register("li@example.org", locale="zh", name="李雷", sessions=[slot.id])
    register("wang@example.org", locale="zh", name="王芳", sessions=[slot.id])
    lu = register("lu@example.org", locale="zh", name="陆", sessions=[slot.id]).tickets[0]
    services.cancel_seat(lu, slot.id)
    services.cancel_ticket(register("gone@example.org", name="Gone").tickets[0])
    admin = add_staff("admin@example.org", "admin").member
    walk_in.register_walk_in(name="No Mail", day=DAY, session_ids=[], people=1, companions=[], locale="en",
                             actor=admin)
    register("li@example.org", locale="en", name="Li Lei", days=[NEXT_DAY])
    return {"slot": slot, "day": make_day(DAY), "second": second, "admin": admin, "ann": ann}


def addresses(audience) -> dict[str, tuple[str, list[str]]]:
    return {recipient.email: (recipient.locale, [link["holder"] for link in recipient.links])
            for recipient in audience.recipients}


def test_a_session_notice_goes_to_its_confirmed_and_waiting_visitors(people):
    audience = notices.recipients("session", slot_id=people["slot"].id)

    assert addresses(audience) == {"ann@example.org": ("en", ["Ann", "Bob"]),
                                   "li@example.org": ("zh", ["李雷"]), "wang@example.org": ("zh", ["王芳"])}
    assert (audience.tickets, audience.unreachable) == (4, 0)
    assert (audience.count("zh"), audience.count("en")) == (2, 1)


def test_a_day_notice_goes_to_every_active_ticket_of_that_day(people):
    audience = notices.recipients("day", day_id=people["day"].id)

    assert sorted(addresses(audience)) == ["ann@example.org", "li@example.org", "lu@example.org",
                                           "wang@example.org"]
    assert addresses(audience)["li@example.org"] == ("zh", ["李雷"])  # the second day's ticket is not in it
    assert (audience.tickets, audience.unreachable) == (5, 1)  # the walk-in has no email
    assert addresses(notices.recipients("day", day_id=people["second"].id)) == {
        "li@example.org": ("en", ["Li Lei"])}


def test_an_exhibition_notice_mails_each_address_once_in_its_latest_language(people):
    audience = notices.recipients("exhibition")

    # Li registered twice: one mail, in the language of the later registration, with both tickets.
    assert addresses(audience)["li@example.org"] == ("en", ["李雷", "Li Lei"])
    assert sorted(addresses(audience)) == ["ann@example.org", "li@example.org", "lu@example.org",
                                           "wang@example.org"]  # not the cancelled ticket
    assert (audience.tickets, audience.unreachable) == (6, 1)


def test_the_preview_shows_both_languages_and_the_counts_and_writes_nothing(people):
    before = written()

    shown = notices.preview(draft("session", slot_id=people["slot"].id))

    assert written() == before == (0, 0, 0)
    assert shown.mails["zh"].subject == "AI BACKLOT：消防演习"
    assert shown.mails["en"].subject == "AI BACKLOT: Fire drill"
    assert "请听从工作人员指引。" in shown.mails["zh"].text and "Please follow the staff." in shown.mails["en"].text
    assert "<p style=\"margin:0 0 12px;\">There is a fire drill at 15:00 today.<br>Please follow the staff.</p>" \
        in shown.mails["en"].html
    assert len(shown.audience.recipients) == 3


def test_sending_writes_the_notice_one_mail_per_address_and_the_audit_entry(people):
    notice = notices.send(draft("session", slot_id=people["slot"].id), actor=people["admin"])

    db.session.expire_all()
    stored = db.session.get(Notice, notice.id)
    assert (stored.scope, stored.slot_id, stored.recipients, stored.created_by_id) == (
        "session", people["slot"].id, 3, people["admin"].id)
    assert stored.sent_at is not None and stored.subject == SUBJECT
    mails = {mail.to: mail for mail in db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "notice"))}
    assert sorted(mails) == ["ann@example.org", "li@example.org", "wang@example.org"]
    assert mails["li@example.org"].subject == "AI BACKLOT：消防演习"
    assert mails["ann@example.org"].subject == "AI BACKLOT: Fire drill"
    ann, bob = people["ann"].tickets
    text = mails["ann@example.org"].text_body
    assert "Hello Ann," in text and "Thank you!" in text
    assert f"Ticket of Bob → {ticket_url(bob.code)}" in text and ticket_url(ann.code) in mails["ann@example.org"].html_body
    assert not any("key=" in mail.text_body or "key=" in mail.html_body for mail in mails.values())
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "notice.send"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (people["admin"].id, "notice", notice.id)
    assert entry.details["scope"] == "session" and entry.details["recipients"] == 3


def test_a_repeated_send_with_the_same_nonce_sends_nothing_again(people):
    first = notices.send(draft(nonce="preview-1"), actor=people["admin"])
    again = notices.send(draft(nonce="preview-1"), actor=people["admin"])

    assert again.id == first.id
    assert written() == (1, 4, 1)
    notices.send(draft(nonce="preview-2"), actor=people["admin"])  # another preview: another notice
    assert written() == (2, 8, 2)


def test_a_failure_while_sending_leaves_no_notice_and_no_mail(people, monkeypatch):
    def fail_after_writing(*args, **kwargs):
        db.session.flush()  # the notice and its mails are in the transaction now
        assert db.session.scalar(select(func.count()).where(OutboxMail.kind == "notice")) == 4
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(notices.audit, "record", fail_after_writing)
    with pytest.raises(RuntimeError):
        notices.send(draft(), actor=people["admin"])

    assert written() == (0, 0, 0)


@pytest.mark.parametrize("changes,fields", [
    ({"subject": {"zh": "", "en": "Fire drill"}}, {"subject.zh"}),
    ({"body": {"zh": "消防", "en": "  "}}, {"body.en"}),
    ({"subject": {"zh": "长" * 151, "en": "x"}, "body": {"zh": "x" * 5001, "en": "x"}}, {"subject.zh", "body.zh"}),
    ({"scope": "session", "slot_id": 999999}, {"slot_id"}),
    ({"scope": "session"}, {"slot_id"}),
    ({"scope": "day", "day_id": 999999}, {"day_id"}),
    ({"scope": "everyone"}, {"scope"}),
])
def test_a_draft_is_refused_by_field_and_nothing_is_written(people, changes, fields):
    for attempt in (notices.preview, lambda bad: notices.send(bad, actor=people["admin"])):
        with pytest.raises(ValidationFailed) as refused:
            attempt(draft(**changes))
        assert set(refused.value.fields) == fields
    assert written() == (0, 0, 0)


def test_refusals_are_in_the_staff_members_language(people):
    with pytest.raises(ValidationFailed) as refused:
        notices.preview(draft(subject={"zh": "", "en": "x"}, scope="day"))
    for locale in ("zh", "en"):
        with force_locale(locale):
            assert str(refused.value.fields["subject.zh"]) == gettext("Required.")
            assert str(refused.value.fields["day_id"]) == gettext("Choose a day.")
    with force_locale("zh"):
        assert str(refused.value.fields["day_id"]) != "Choose a day."


def test_a_zh_and_an_en_visitor_receive_the_notice_over_smtp_with_their_text_escaped(people, mail_app, smtp):
    outbox.deliver_due()  # the confirmations
    smtp.received.clear()
    body = {"zh": "展厅 <b>B</b> 今天关闭。\n\n<script>alert('zh')</script>",
            "en": "Hall <b>B</b> is closed today.\n\n<script>alert('en')</script>"}

    notices.send(draft("day", day_id=people["second"].id, subject={"zh": "通知 <i>B</i>", "en": "Notice <i>B</i>"},
                       body=body), actor=people["admin"])
    notices.send(draft("session", slot_id=people["slot"].id, body=body), actor=people["admin"])
    assert outbox.deliver_due().sent == 4

    received = {(item.rcpt_tos[0], item.message["Subject"]): item.message for item in smtp.received}
    assert set(received) == {("li@example.org", "AI BACKLOT: Notice <i>B</i>"),
                             ("ann@example.org", "AI BACKLOT: Fire drill"),
                             ("li@example.org", "AI BACKLOT：消防演习"), ("wang@example.org", "AI BACKLOT：消防演习")}
    for key, locale in ((("ann@example.org", "AI BACKLOT: Fire drill"), "en"),
                        (("wang@example.org", "AI BACKLOT：消防演习"), "zh")):
        message = received[key]
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = message.get_body(("html",)).get_content()
        assert body[locale] in text  # the text part as written, paragraphs and all
        assert f"<script>alert('{locale}')" not in html and "<b>B</b>" not in html
        assert f"&lt;script&gt;alert(&#39;{locale}&#39;)&lt;/script&gt;" in html and "&lt;b&gt;B&lt;/b&gt;" in html
        assert html.count("<p style=\"margin:0 0 12px;\">") == 3  # the greeting and two paragraphs
    zh_html = received[("wang@example.org", "AI BACKLOT：消防演习")].get_body(("html",)).get_content()
    assert "王芳，你好：" in zh_html and f"{BASE_URL}/t/" in zh_html
    en_html = received[("li@example.org", "AI BACKLOT: Notice <i>B</i>")].get_body(("html",)).get_content()
    assert "Notice &lt;i&gt;B&lt;/i&gt;" in en_html and "<i>B" not in en_html
