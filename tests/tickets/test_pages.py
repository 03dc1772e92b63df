"""Visitor ticket pages through the test client, on a real database: register, ticket, cancel, find."""
from __future__ import annotations

import re
from datetime import date, time
from html import unescape

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.schedule.models import ExhibitionDay, Slot
from app.tickets import manage_keys, services
from app.tickets.models import OutboxMail, Registration, Ticket
from app.tickets.qr import qr_svg
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_slot
from tests.staff.conftest import csrf_from

DAY, DAY_TWO = date(2026, 6, 14), date(2026, 6, 15)


@pytest.fixture
def programme_bits(app):
    """Two days; bookable sessions on each, one open to all, one already started (clock: 10:30)."""
    make_day(DAY, capacity=100)
    make_day(DAY_TWO, capacity=100)
    return {
        "workshop": make_slot(start=time(14), end=time(15), title="Storyboard workshop", capacity=10),
        "tiny": make_slot(start=time(15), end=time(16), title="Tiny workshop", capacity=1),
        "open": make_slot(start=time(16), end=time(17), kind="ai_demo", title="Demo zone"),
        "started": make_slot(start=time(10), end=time(11, 30), title="Early open set", capacity=5),
        "tomorrow": make_slot(on=DAY_TWO, start=time(11), end=time(12), title="Second-day workshop", capacity=8),
    }


def body(response) -> str:
    return response.get_data(as_text=True)


def open_page(client, path: str, locale: str = "en") -> str:
    """GET a page as a visitor whose language is `locale`; returns its HTML."""
    client.set_cookie("lang", locale)
    response = client.get(path)
    assert response.status_code == 200, body(response)
    return body(response)


def registration_form(token: str, *, name="Li Lei", email="li@example.org", days=(DAY.isoformat(),),
                      sessions=(), companions=(), consent=True) -> dict:
    """The fields the register page sends: five companion inputs, empty ones included."""
    data = {"csrf_token": token, "name": name, "email": email, "days": list(days),
            "sessions": [str(session) for session in sessions]}
    for index in range(5):
        data[f"companions-{index}"] = companions[index] if index < len(companions) else ""
    if consent:
        data["consent"] = "y"
    return data


def post_registration(client, locale: str = "en", **fields):
    token = csrf_from(open_page(client, "/register", locale))
    return client.post("/register", data=registration_form(token, **fields))


def field_error(html: str, element_id: str) -> str:
    """The text of the error shown beside one input (`<small id="…-error">`)."""
    match = re.search(rf'<small class="field__error" id="{re.escape(element_id)}-error"[^>]*>([^<]*)</small>', html)
    assert match, f"no error shown beside #{element_id}"
    return unescape(match.group(1))


def ticket_code(response) -> str:
    """The code of the ticket a registration redirected to: its page with the management key."""
    assert response.status_code == 303, body(response)
    return re.fullmatch(r"(?:http://localhost)?/t/([\w-]+)\?key=[\w-]{22}", response.headers["Location"]).group(1)


def manage_page(ticket: Ticket) -> str:
    """The ticket's management link (its key was issued when it was registered)."""
    return f"/t/{ticket.code}?key={ticket.manage_key}"


def register_directly(sessions=(), companions=(), email="li@example.org", name="Li Lei") -> Registration:
    return services.register(RegistrationRequest(
        name=name, email=email, days=[DAY], session_ids=[slot.id for slot in sessions], locale="en",
        consent=True, companions=list(companions)))


def count(model) -> int:
    return len(db.session.scalars(select(model)).all())


# --- The register page ----------------------------------------------------------------------


def test_register_page_lists_days_with_places_and_only_bookable_sessions(app, client, programme_bits):
    db.session.get(ExhibitionDay, programme_bits["tomorrow"].day_id).entries_taken = 100
    db.session.commit()

    html = open_page(client, "/register")

    assert "Storyboard workshop" in html and "Second-day workshop" in html
    assert "Demo zone" not in html  # open to all: nothing to book
    assert "Early open set" not in html  # already started at the demo clock
    assert "100 places left" in html
    day_two = re.search(r'<input type="checkbox" name="days" value="2026-06-15"[^>]*>', html).group(0)
    assert "disabled" in day_two
    assert re.search(r'value="2026-06-15".*?places--full">Full<', html, re.S)
    assert 'href="/tickets/find"' in html


def test_a_session_link_preselects_the_session_and_its_day(app, client, programme_bits):
    workshop = programme_bits["tomorrow"]

    html = open_page(client, f"/register?session={workshop.id}")

    assert re.search(r'name="days" value="2026-06-15"[^>]* checked', html)
    assert re.search(rf'name="sessions" value="{workshop.id}"[^>]* checked', html)
    assert not re.search(r'name="days" value="2026-06-14"[^>]* checked', html)


@pytest.mark.parametrize("locale, waiting", [("zh", "候补第 1 位"), ("en", "Waiting list, place 1")])
def test_register_through_the_form_with_companions(app, client, programme_bits, locale, waiting):
    workshop, tiny = programme_bits["workshop"], programme_bits["tiny"]

    response = post_registration(client, locale, sessions=[workshop.id, tiny.id], companions=["Han Meimei", "Jim"])

    code = ticket_code(response)
    registration = db.session.scalars(select(Registration)).one()
    assert registration.locale == locale and registration.email == "li@example.org"
    primary, *companions = registration.tickets
    assert primary.code == code and primary.is_primary
    assert [ticket.holder_name for ticket in companions] == ["Han Meimei", "Jim"]
    assert db.session.get(Slot, workshop.id).seats_taken == 3
    assert db.session.get(ExhibitionDay, workshop.day_id).entries_taken == 3

    # The registrant lands on their ticket's management link: the cancel buttons are there.
    key = response.headers["Location"].rpartition("?key=")[2]
    assert manage_keys.matches(primary, key)
    page = client.get(response.headers["Location"])
    html = body(page)
    assert re.search(r'<p class="notice notice--ok" role="status">[^<]+</p>', html)  # "You are registered"
    assert f'<html lang="{locale}">' in html
    assert f'<input type="hidden" name="key" value="{key}">' in html
    for companion in companions:
        assert f'href="/t/{companion.code}"' in html
    # The tiny workshop's one place went to the registrant; the companions wait, in order.
    assert body(client.get(f"/t/{companions[0].code}")).count(waiting) == 1
    assert f'href="/t/{code}"' not in body(client.get(f"/t/{companions[0].code}"))


def test_waiting_list_position_is_shown_on_the_ticket(app, client, programme_bits):
    tiny = programme_bits["tiny"]
    register_directly(sessions=[tiny], email="first@example.org")

    code = ticket_code(post_registration(client, sessions=[tiny.id], companions=["Han Meimei"]))

    html = open_page(client, f"/t/{code}")
    assert "You are registered." in html
    assert "Tiny workshop" in html and "Waiting list, place 1" in html
    companion = db.session.scalars(select(Ticket).where(Ticket.holder_name == "Han Meimei")).one()
    assert "Waiting list, place 2" in open_page(client, f"/t/{companion.code}")


@pytest.mark.parametrize("locale, message", [
    ("zh", "2026-06-14 的入场名额已满。"),
    ("en", "Entry on 2026-06-14 is fully booked."),
])
def test_a_full_day_is_refused_in_the_visitors_language_and_nothing_is_written(app, client, locale, message):
    make_day(DAY, capacity=2)

    response = post_registration(client, locale, name="王小明", companions=["A", "B"])

    assert response.status_code == 409
    html = body(response)
    assert field_error(html, "days") == message
    assert 'value="王小明"' in html  # the form keeps what was typed
    assert count(Registration) == count(Ticket) == count(OutboxMail) == 0
    assert db.session.get(ExhibitionDay, make_day(DAY).id).entries_taken == 0


def test_too_many_tickets_for_one_email_is_explained(app, client, programme_bits):
    register_directly(companions=["A", "B", "C", "D"])

    response = post_registration(client, companions=["E", "F"])

    assert response.status_code == 409
    html = body(response)
    assert "One email can hold at most 6 tickets per day, companions included." in html
    assert field_error(html, "email") == "Limit reached for this email."
    assert count(Registration) == 1


@pytest.mark.parametrize("changes, element_id, message", [
    (dict(name=""), "name", "Please enter a name."),
    (dict(name="长" * 10_240), "name", "At most 100 characters."),
    (dict(email="li at example.org"), "email", "This does not look like an email address."),
    (dict(consent=False), "consent", "Please agree to the use of your data for this exhibition."),
    (dict(days=()), "days", "Choose at least one day."),
    (dict(days=("2026-06-16",)), "days", "The exhibition does not run on 2026-06-16."),
    (dict(days=("14 June",)), "days", "Use a date in the form YYYY-MM-DD."),
    (dict(sessions=[9999]), "sessions", "This session does not exist or was cancelled."),
    (dict(sessions=["abc"]), "sessions", "Must be a session id (a whole number)."),
])
def test_bad_input_is_shown_beside_its_field_and_nothing_is_written(app, client, programme_bits, changes,
                                                                     element_id, message):
    response = post_registration(client, **changes)

    assert response.status_code == 422
    html = body(response)
    assert field_error(html, element_id) == message
    assert "Some fields need attention" in html
    assert count(Registration) == count(Ticket) == 0


def test_a_session_on_a_day_not_chosen_is_marked_on_that_session(app, client, programme_bits):
    tomorrow, workshop = programme_bits["tomorrow"], programme_bits["workshop"]

    response = post_registration(client, sessions=[workshop.id, tomorrow.id], email="li@example.org")

    assert response.status_code == 422
    html = body(response)
    assert field_error(html, f"session-{tomorrow.id}") == "This session is on a day you have not chosen."
    assert f'id="session-{workshop.id}-error"' not in html
    assert re.search(rf'name="sessions" value="{workshop.id}"[^>]* checked', html)
    assert db.session.get(Slot, workshop.id).seats_taken == 0


def test_a_session_asked_twice_is_refused(app, client, programme_bits):
    workshop = programme_bits["workshop"]

    response = post_registration(client, sessions=[workshop.id, workshop.id])

    assert response.status_code == 422
    assert field_error(body(response), "sessions") == "Each session once, please."
    assert count(Registration) == 0


def test_a_companion_error_lands_on_the_field_it_came_from(app, client, programme_bits):
    # The second field is left empty: the service's companions.1 is the form's third field.
    response = post_registration(client, companions=["Han Meimei", "", "x" * 101])

    assert response.status_code == 422
    html = body(response)
    assert field_error(html, "companions-2") == "At most 100 characters."
    assert 'id="companions-0-error"' not in html and 'value="Han Meimei"' in html
    assert count(Ticket) == 0


def test_markup_in_a_name_is_stored_as_typed_and_shown_escaped(app, client, programme_bits):
    hostile = "<script>alert(1)</script> <b>Li</b>"

    code = ticket_code(post_registration(client, name=hostile, companions=['"><img src=x onerror=alert(2)>']))

    assert db.session.scalars(select(Registration)).one().name == hostile
    html = open_page(client, f"/t/{code}")
    assert "<script>alert(1)" not in html and "<b>Li</b>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;Li&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)" in open_page(client, f"/t/{code}/print")


def test_chinese_names_and_emoji_survive_the_round_trip(app, client, programme_bits):
    code = ticket_code(post_registration(client, "zh", name="李雷 🎬", companions=["韩梅梅😀", "Zoë"]))

    tickets = db.session.scalars(select(Registration)).one().tickets
    assert [ticket.holder_name for ticket in tickets] == ["李雷 🎬", "韩梅梅😀", "Zoë"]
    html = open_page(client, f"/t/{code}", "zh")
    assert "李雷 🎬" in html and "韩梅梅😀" in html and "Zoë" in html


def test_the_form_needs_its_csrf_token(app, client, programme_bits):
    open_page(client, "/register")
    response = client.post("/register", data=registration_form("forged"))
    assert response.status_code == 400
    assert count(Registration) == 0


# --- The ticket page ------------------------------------------------------------------------


def test_ticket_page_shows_the_qr_days_and_sessions_and_keeps_its_link_private(app, client, programme_bits):
    ticket = register_directly(sessions=[programme_bits["workshop"]]).tickets[0]

    response = client.get(f"/t/{ticket.code}?lang=en")

    html = body(response)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex">' in html
    assert re.search(r'id="ticket-qr"[^>]*><svg[^>]*viewBox', html)
    assert "Li Lei" in html and "Sun 14 June" in html
    assert "Storyboard workshop" in html and "Confirmed" in html
    for link in ("qr.png", "ticket.ics", "print"):
        assert f'href="/t/{ticket.code}/{link}' in html
    assert 'href="/tickets/find"' in html
    assert client.get("/register").headers["Referrer-Policy"] == "same-origin"


def test_only_the_management_link_shows_the_cancel_buttons(app, client, programme_bits):
    workshop = programme_bits["workshop"]
    ticket = register_directly(sessions=[workshop]).tickets[0]
    cancel_forms = (f'action="/t/{ticket.code}/sessions/{workshop.id}/cancel"', f'action="/t/{ticket.code}/cancel"')

    plain = open_page(client, f"/t/{ticket.code}")
    managed = client.get(manage_page(ticket) + "&lang=en")
    stale = open_page(client, f"/t/{ticket.code}?key={manage_keys.new_key()}")

    assert not any(form in plain for form in cancel_forms)
    assert "open the management link in the mail that came with your ticket" in plain
    assert ticket.manage_key not in plain
    html = body(managed)
    assert managed.headers["Referrer-Policy"] == "no-referrer" and managed.headers["Cache-Control"] == "no-store"
    assert all(form in html for form in cancel_forms) and "data-confirm=" in html
    assert html.count(f'<input type="hidden" name="key" value="{ticket.manage_key}">') == 2
    assert "This is your ticket’s management link" in html
    # The QR code on the management page is the plain ticket URL: the key never goes into it.
    assert qr_svg(f"http://localhost/t/{ticket.code}") in html  # the test client's origin
    assert not any(form in stale for form in cancel_forms) and "This management link no longer works" in stale
    assert ticket.manage_key not in open_page(client, f"/t/{ticket.code}/print")


def test_an_unknown_ticket_is_a_localised_404(app, client):
    client.set_cookie("lang", "zh")
    response = client.get("/t/no-such-code")
    assert response.status_code == 404
    assert "没有与此票码对应的门票。" in body(response)
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_cancel_one_session_from_the_page_gives_the_place_to_the_next(app, client, programme_bits):
    tiny = programme_bits["tiny"]
    first = register_directly(sessions=[tiny], email="first@example.org").tickets[0]
    second = register_directly(sessions=[tiny], email="second@example.org").tickets[0]
    token = csrf_from(open_page(client, manage_page(first)))

    response = client.post(f"/t/{first.code}/sessions/{tiny.id}/cancel",
                           data={"csrf_token": token, "key": first.manage_key})

    assert response.status_code == 303 and response.headers["Location"].endswith(manage_page(first))
    html = body(client.get(response.headers["Location"]))
    assert "Your place in “Tiny workshop” is cancelled." in html
    assert re.search(r'seat-status--cancelled">Cancelled<', html)
    assert f"/sessions/{tiny.id}/cancel" not in html
    db.session.expire_all()
    assert db.session.get(Slot, tiny.id).seats_taken == 1
    assert "Confirmed" in open_page(client, f"/t/{second.code}")


def test_cancel_the_whole_ticket_from_the_page_returns_its_places(app, client, programme_bits):
    workshop = programme_bits["workshop"]
    ticket = register_directly(sessions=[workshop], companions=["Han Meimei"]).tickets[0]
    token = csrf_from(open_page(client, manage_page(ticket)))

    response = client.post(f"/t/{ticket.code}/cancel", data={"csrf_token": token, "key": ticket.manage_key},
                           follow_redirects=True)

    html = body(response)
    assert "Your ticket is cancelled." in html and "pass__stamp" in html
    assert "<svg" not in html and f'action="/t/{ticket.code}/cancel"' not in html
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "cancelled"
    assert db.session.get(Slot, workshop.id).seats_taken == 1  # the companion keeps theirs
    assert db.session.get(ExhibitionDay, workshop.day_id).entries_taken == 1
    assert client.get(f"/t/{ticket.code}/qr.png").status_code == 410


def test_cancelling_needs_the_csrf_token_and_the_management_key(app, client, programme_bits):
    ticket = register_directly(sessions=[programme_bits["workshop"]]).tickets[0]
    paths = (f"/t/{ticket.code}/cancel", f"/t/{ticket.code}/sessions/{programme_bits['workshop'].id}/cancel")
    key = {"key": ticket.manage_key}
    token = csrf_from(open_page(client, "/tickets/find", "zh"))  # the plain ticket page has no form

    assert [client.post(path, data=key).status_code for path in paths] == [400, 400]
    for path in paths:
        refused = client.post(path, data={"csrf_token": token})
        assert refused.status_code == 403
        assert "取消或更改这张门票需要它的管理密钥" in body(refused)
    client.set_cookie("lang", "en")
    wrong = client.post(paths[0], data={"csrf_token": token, "key": manage_keys.new_key()})
    assert wrong.status_code == 403 and "needs its management key" in body(wrong)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "active"
    assert db.session.get(Slot, programme_bits["workshop"].id).seats_taken == 1


def test_print_view_is_the_pass_on_white(app, client, programme_bits):
    ticket = register_directly(sessions=[programme_bits["workshop"]]).tickets[0]

    response = client.get(f"/t/{ticket.code}/print?lang=en")

    html = body(response)
    assert response.status_code == 200 and response.headers["Referrer-Policy"] == "no-referrer"
    assert '<body class="print-sheet">' in html and "site-header" not in html
    assert '<meta name="robots" content="noindex">' in html
    assert "<svg" in html and "Li Lei" in html and "Storyboard workshop" in html
    assert f"http://localhost/t/{ticket.code}" in html


@pytest.mark.parametrize("locale, entry", [("en", "AI BACKLOT · Entry"), ("zh", "AI BACKLOT（中） · 入场")])
def test_calendar_holds_the_days_and_confirmed_sessions(app, client, programme_bits, locale, entry):
    workshop, tiny = programme_bits["workshop"], programme_bits["tiny"]
    register_directly(sessions=[tiny], email="first@example.org")
    ticket = register_directly(sessions=[workshop, tiny]).tickets[0]  # waitlisted for tiny

    response = client.get(f"/t/{ticket.code}/ticket.ics?lang={locale}")

    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = {str(event["summary"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {entry, workshop.title[locale]}
    day = events[entry]
    assert day.decoded("dtstart").isoformat() == "2026-06-14T10:00:00+08:00"
    assert str(day["url"]) == f"http://localhost/t/{ticket.code}"
    assert events[workshop.title[locale]].decoded("dtstart").isoformat() == "2026-06-14T14:00:00+08:00"
    assert calendar.walk("VTIMEZONE")


# --- Find my ticket -------------------------------------------------------------------------


def find(client, email: str, locale: str = "en"):
    token = csrf_from(open_page(client, "/tickets/find", locale))
    return client.post("/tickets/find", data={"csrf_token": token, "email": email}, follow_redirects=True)


def without_tokens(html: str) -> str:
    return re.sub(r'value="[^"]*"', "", html)


def test_find_my_ticket_answers_the_same_and_mails_only_a_known_email(app, client, programme_bits):
    register_directly(email="li@example.org")
    mails_before = count(OutboxMail)

    known = find(client, " LI@example.org ")
    unknown = find(client, "nobody@example.org")

    assert known.status_code == unknown.status_code == 200
    assert "If this email has tickets, we have sent their links." in body(known)
    assert without_tokens(body(known)) == without_tokens(body(unknown))
    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "ticket_links")).all()
    assert [mail.to for mail in mails] == ["li@example.org"]
    assert count(OutboxMail) == mails_before + 1


def test_find_my_ticket_needs_an_email(app, client):
    client.set_cookie("lang", "zh")
    token = csrf_from(open_page(client, "/tickets/find", "zh"))
    response = client.post("/tickets/find", data={"csrf_token": token, "email": "  "})
    assert response.status_code == 400
    assert field_error(body(response), "email") == "请填写电子邮箱地址。"


def test_find_my_ticket_is_limited_per_email_not_per_address(app, client):
    answers = [find(client, "li@example.org").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert find(client, "han@example.org").status_code == 200


def test_registering_is_limited_per_address_and_email(app, client, programme_bits):
    token = csrf_from(open_page(client, "/register"))
    refused = registration_form(token, consent=False)  # refused by the service: nothing written
    answers = [client.post("/register", data=refused).status_code for _ in range(21)]
    assert answers[:20] == [422] * 20 and answers[20] == 429
    assert client.post("/register", data=registration_form(token, email="han@example.org")).status_code == 303
