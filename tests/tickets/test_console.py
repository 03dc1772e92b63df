"""Staff pages about attendees: search and filters, CSV exports, the walk-in desk, live places."""
import csv
import io
import re
from datetime import date, time

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from sqlalchemy import select

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.realtime.namespaces import staff_snapshot
from app.staff import audit
from app.staff.services import add_staff
from app.tickets import manage_keys, queries, services, walk_in
from app.tickets.links import ticket_url
from app.tickets.models import OutboxMail, Registration, Seat, Ticket
from app.tickets.qr import qr_png, qr_svg
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_slot
from tests.staff.conftest import page_csrf, sign_in

DAY = date(2026, 6, 14)
NEXT_DAY = date(2026, 6, 15)


def register(name, email, *, days=(DAY,), sessions=(), companions=(), locale="en"):
    return services.register(RegistrationRequest(
        name=name, email=email, days=list(days), session_ids=list(sessions), locale=locale, consent=True,
        companions=list(companions)))


def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode("utf-8")), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def holders(page: queries.Page) -> list[str]:
    return sorted(ticket.holder_name for ticket in page.tickets)


def search(**filters) -> list[str]:
    return holders(queries.search_tickets(queries.AttendeeFilters(**filters)))


@pytest.fixture
def crowd(app):
    """A full workshop with two waiting, a second day, a cancelled ticket and a walk-in."""
    make_day(DAY)
    make_day(NEXT_DAY)
    workshop = make_slot(start=time(14), end=time(15), capacity=2, title="Storyboards")
    talk = make_slot(start=time(16), end=time(17), capacity=10, title="Sound")
    li = register("李雷", "li@example.org", sessions=[workshop.id], companions=["韩梅梅"])
    register("=HYPERLINK(\"http://evil\")", "formula@example.org", sessions=[workshop.id, talk.id])
    register("Anna Müller", "anna@example.org", days=(NEXT_DAY,))
    gone = register("Gone Person", "gone@example.org", sessions=[workshop.id])
    services.cancel_ticket(gone.tickets[0])
    register("@Late", "late@example.org", sessions=[workshop.id])
    desk = add_staff("desk@example.org", "gate").member
    walk_in.register_walk_in(name="王芳", day=DAY, session_ids=[], people=1, companions=[], locale="zh",
                             actor=desk)
    return {"workshop": workshop, "talk": talk, "li": li}


# --- Read side, without HTTP ----------------------------------------------------------------

def test_search_by_name_email_or_ticket_code(crowd):
    code = crowd["li"].tickets[1].code
    assert search(text="韩梅") == ["韩梅梅"]
    assert search(text="LI@EXAMPLE") == ["李雷", "韩梅梅"]
    assert search(text=code) == ["韩梅梅"]
    assert search(text=ticket_url(code)) == ["韩梅梅"]
    assert search(text="100%_") == []  # LIKE wildcards are plain characters


def test_filters_by_day_session_place_and_status(crowd):
    workshop = crowd["workshop"].id
    assert search(day=NEXT_DAY) == ["Anna Müller"]
    assert search(session_id=workshop) == ["=HYPERLINK(\"http://evil\")", "@Late", "李雷", "韩梅梅"]
    assert search(session_id=workshop, seat_status="waitlisted") == ["=HYPERLINK(\"http://evil\")", "@Late"]
    assert search(session_id=workshop, seat_status="confirmed") == ["李雷", "韩梅梅"]
    assert search(status="cancelled") == ["Gone Person"]
    assert len(search(status="active")) == 6


def test_filters_from_a_query_string_drop_nonsense():
    filters = queries.AttendeeFilters.from_args(
        {"q": "  Li  ", "day": "14 June", "session": "x1", "status": "gone", "seat": "waitlisted"})
    assert filters == queries.AttendeeFilters(text="Li", seat_status="waitlisted")
    assert filters.as_args() == {"q": "Li", "seat": "waitlisted"}


def test_pages_count_every_match(crowd):
    page = queries.search_tickets(queries.AttendeeFilters(), page=2, size=3)
    assert (page.total, page.number, page.count, len(page.tickets)) == (7, 2, 3, 3)
    assert queries.search_tickets(queries.AttendeeFilters(), page=99, size=3).number == 3


@pytest.mark.parametrize("value,cell", [
    ("=1+2", "'=1+2"), ("+33 6", "'+33 6"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("李雷", "李雷"), ("a=b", "a=b"), (None, ""), (3, "3"),
])
def test_csv_cells_never_start_a_formula(value, cell):
    assert queries.csv_cell(value) == cell


def test_booked_seats_are_confirmed_then_the_waiting_list_in_order(crowd):
    seats = queries.booked_seats(crowd["workshop"].id)
    assert [(seat.ticket.holder_name, seat.status) for seat in seats] == [
        ("李雷", "confirmed"), ("韩梅梅", "confirmed"),
        ("=HYPERLINK(\"http://evil\")", "waitlisted"), ("@Late", "waitlisted")]
    assert queries.waiting_counts([crowd["workshop"], crowd["talk"]]) == {crowd["workshop"].id: 2}


# --- Attendee pages and CSV -------------------------------------------------------------------

def test_attendee_list_searches_and_escapes_visitor_text(crowd, client):
    sign_in(client, "admin")
    register("<script>alert(1)</script>", "x@example.org")

    page = client.get("/staff/attendees?lang=en&q=script").get_data(as_text=True)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert re.search(r'data-testid="attendee-count"[^>]*>\s*1 ticket', page)
    listed = client.get(f"/staff/attendees?lang=en&session={crowd['workshop'].id}&seat=waitlisted")
    html = listed.get_data(as_text=True)
    assert "Waiting list, place 1" in html and "Waiting list, place 2" in html and "李雷" not in html
    assert 'badge--walk_in">Walk-in<' in client.get("/staff/attendees?lang=en&q=王芳").get_data(as_text=True)


def test_attendees_csv_keeps_the_filters_chinese_names_and_guards_formulas(crowd, client):
    sign_in(client, "admin")

    response = client.get(f"/staff/attendees.csv?lang=en&session={crowd['workshop'].id}")

    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="attendees-')
    header, *rows = read_csv(response)
    assert header[:3] == ["Holder", "Registered by", "Email"]
    by_holder = {row[0]: row for row in rows}
    assert set(by_holder) == {"李雷", "韩梅梅", "'=HYPERLINK(\"http://evil\")", "'@Late"}
    assert by_holder["韩梅梅"][1:3] == ["李雷", "li@example.org"]
    assert "Storyboards: Waiting list, place 1" in by_holder["'=HYPERLINK(\"http://evil\")"][7]
    assert by_holder["李雷"][6] == "2026-06-14"
    assert all(row[0] and not row[0].startswith(("=", "+", "-", "@")) for row in rows)


def test_session_csv_lists_confirmed_then_the_waiting_list_with_positions(crowd, client):
    sign_in(client, "admin")

    header, *rows = read_csv(client.get(f"/staff/sessions/{crowd['workshop'].id}/attendees.csv?lang=en"))

    assert header[:3] == ["Status", "Waiting list position", "Holder"]
    assert [row[:3] for row in rows] == [
        ["Confirmed", "", "李雷"], ["Confirmed", "", "韩梅梅"],
        ["Waiting list", "1", "'=HYPERLINK(\"http://evil\")"], ["Waiting list", "2", "'@Late"]]


def test_session_page_lists_who_holds_a_place_and_who_waits(crowd, client):
    sign_in(client, "admin")
    page = client.get(f"/staff/sessions/{crowd['workshop'].id}/attendees?lang=en").get_data(as_text=True)
    confirmed, waiting = page.split('data-testid="waiting-seats"')
    assert "李雷" in confirmed and "韩梅梅" in confirmed
    assert waiting.index("=HYPERLINK") < waiting.index("@Late")
    assert "Gone Person" not in page
    assert client.get("/staff/sessions/999/attendees").status_code == 404


# --- Walk-in desk ---------------------------------------------------------------------------------

def walk_in_form(client, **fields) -> dict:
    form = {"csrf_token": page_csrf(client, "/staff/walk-in"), "name": "王芳", "people": "1",
            "locale": "en", "day": DAY.isoformat(), **{f"companions-{i}": "" for i in range(5)}}
    form.update(fields)
    return form


def rasterise(svg: str, scale: int = 8) -> Image.Image:
    """The qrcode SVG is unit squares (`M x,y H x+1 V y+1 H x z`): paint them to decode them."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y in re.findall(r"M(\d+),(\d+)H", svg):
        left, top = int(x) * scale, int(y) * scale
        draw.rectangle([left, top, left + scale - 1, top + scale - 1], fill=0)
    return image


@pytest.mark.parametrize("role", ["admin", "gate"])
def test_walk_in_gives_tickets_without_email_and_shows_their_qr_codes(app, client, role):
    make_day(DAY)
    workshop = make_slot(start=time(14), end=time(15), capacity=5, title="Storyboards")
    member = sign_in(client, role).member

    response = client.post("/staff/walk-in?lang=en", data=walk_in_form(
        client, people="3", **{"companions-0": "李娜"}, sessions=[str(workshop.id)]))

    assert response.status_code == 302
    registration = db.session.scalars(select(Registration)).one()
    assert (registration.channel, registration.email, registration.consent_at) == ("walk_in", None, None)
    assert registration.created_by_id == member.id
    assert [t.holder_name for t in registration.tickets] == ["王芳", "李娜", "Guest 3"]
    assert all(t.seats[0].status == "confirmed" for t in registration.tickets)
    assert db.session.scalars(select(OutboxMail)).all() == []
    [entry] = audit.search(action="ticket.walk_in")
    assert entry.actor_id == member.id and entry.target_id == registration.id
    assert entry.details["tickets"] == ["王芳", "李娜", "Guest 3"]

    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "3 tickets ready" in page and "Next visitor" in page
    for ticket in registration.tickets:
        url = f"http://localhost/t/{ticket.code}"  # the test client's origin
        assert qr_svg(url) in page
        [shown] = zxingcpp.read_barcodes(rasterise(qr_svg(url)))
        [printed] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(url))))
        assert shown.text == printed.text == url
        # The management link is printed beside the QR code (never in it), right after registering.
        key = re.search(rf"{re.escape(url)}\?key=([\w-]+)", page).group(1)
        assert manage_keys.matches(db.session.get(Ticket, ticket.id), key)

    client.get("/staff/walk-in")  # the next visitor: the keys leave the desk's session
    again = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "?key=" not in again and "shown only right after registering" in again


def test_walk_in_full_day_and_bad_input_are_explained(app, client):
    make_day(DAY, capacity=1)
    sign_in(client, "gate")

    full = client.post("/staff/walk-in?lang=en", data=walk_in_form(client, people="2"))
    assert full.status_code == 422
    assert "Entry on 2026-06-14 is fully booked." in full.get_data(as_text=True)

    nameless = client.post("/staff/walk-in?lang=en", data=walk_in_form(client, name="   "))
    assert nameless.status_code == 422 and 'aria-invalid="true"' in nameless.get_data(as_text=True)

    stray = client.post("/staff/walk-in?lang=en", data=walk_in_form(client, **{"companions-2": "Extra"}))
    assert "Only 1 person: raise the number or clear this name." in stray.get_data(as_text=True)
    assert db.session.scalars(select(Ticket)).all() == []


def test_walk_in_fills_free_places_of_a_started_session_and_names_a_full_one(app, client):
    """The desk (not visitors online) may give a walk-in a free place of a session that has begun,
    e.g. one its no-show release freed; a full one has no waiting list any more."""
    make_day(DAY)
    started = make_slot(start=time(10), end=time(11), capacity=5, title="Early bird")  # the clock says 10:30
    full = make_slot(start=time(10), end=time(11), capacity=1, title="Packed", seats_taken=1)
    sign_in(client, "admin")

    page = client.get("/staff/walk-in?lang=en").get_data(as_text=True)
    assert "Early bird" in page and "Started: free places only" in page

    booked = client.post("/staff/walk-in?lang=en", data=walk_in_form(client, sessions=[str(started.id)]))
    assert booked.status_code == 302
    assert db.session.scalars(select(Seat.status).where(Seat.slot_id == started.id)).all() == ["confirmed"]

    refused = client.post("/staff/walk-in?lang=en", data=walk_in_form(client, name="Late", sessions=[str(full.id)]))
    assert refused.status_code == 422
    assert "Packed: The waiting list for this session is closed." in refused.get_data(as_text=True)
    assert db.session.scalars(select(Seat).where(Seat.slot_id == full.id)).all() == []


def test_walk_in_form_offers_todays_bookable_sessions(app, client):
    make_day(DAY)
    make_slot(start=time(14), end=time(15), capacity=1, title="Almost full")
    make_slot(start=time(9), end=time(10), capacity=5, title="Already over")
    make_slot(on=NEXT_DAY, start=time(14), end=time(15), capacity=5, title="Tomorrow")
    sign_in(client, "gate")

    page = client.get("/staff/walk-in?lang=en").get_data(as_text=True)

    assert re.search(r'<input[^>]*name="day"[^>]*type="hidden"[^>]*value="2026-06-14"', page)
    assert "Almost full" in page and "Already over" not in page and "Tomorrow" not in page
    assert "Tomorrow" in client.get("/staff/walk-in?lang=en&day=2026-06-15").get_data(as_text=True)


def test_guest_names_fill_the_blanks_and_extra_names_are_refused(app):
    make_day(DAY)
    with app.test_request_context():
        assert walk_in.guest_names(4, ["  Ada  ", "", "Bo"], "en") == ["Ada", "Guest 3", "Bo"]
        assert walk_in.guest_names(1, [], "en") == []
        actor = add_staff("desk@example.org", "gate").member
        with pytest.raises(ValidationFailed) as refused:
            walk_in.register_walk_in(name="Ada", day=DAY, session_ids=[], people=2, companions=["", "Bo"],
                                     locale="en", actor=actor)
        assert set(refused.value.fields) == {"companions.1.name"}
        with pytest.raises(ValidationFailed) as too_many:
            walk_in.register_walk_in(name="Ada", day=DAY, session_ids=[], people=7, companions=[],
                                     locale="en", actor=actor)
        assert set(too_many.value.fields) == {"people"}


def test_the_desk_shows_walk_ins_only(crowd, client):
    sign_in(client, "gate")
    online = crowd["li"]
    response = client.get(f"/staff/walk-in/{online.id}?lang=en")
    assert response.status_code == 404
    assert crowd["li"].tickets[0].code not in response.get_data(as_text=True)


def test_walk_in_refuses_a_day_the_exhibition_does_not_run(app):
    make_day(DAY)
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        walk_in.register_walk_in(name="Ada", day=date(2026, 6, 13), session_ids=[], people=1, companions=[],
                                 locale="en", actor=add_staff("desk@example.org", "gate").member)
    assert "days" in refused.value.fields


# --- Live places ----------------------------------------------------------------------------------

def test_dashboard_shows_places_waiting_lists_and_day_entries(crowd, client):
    sign_in(client, "admin")
    fragment = client.get("/staff/fragments/today?lang=en").get_data(as_text=True)

    row = re.search(rf'data-session-id="{crowd["workshop"].id}".*?</tr>', fragment, re.S).group(0)
    assert "2 / 2" in row and "2 waiting" in row
    assert f'href="/staff/sessions/{crowd["workshop"].id}/attendees"' in row
    entries = re.search(r'data-testid="day-entries".*?</p>', fragment, re.S).group(0)
    assert "5 / 100" in entries  # 李雷, 韩梅梅, the formula, @Late and the walk-in; the cancelled one gave back


def test_gate_sees_places_without_links_to_names(crowd, client):
    sign_in(client, "gate")
    fragment = client.get("/staff/fragments/today?lang=en").get_data(as_text=True)
    assert "2 waiting" in fragment and "/attendees" not in fragment


def test_console_sessions_list_counts_the_waiting(crowd, client):
    sign_in(client, "admin")
    page = client.get(f"/staff/schedule?lang=en&day={DAY.isoformat()}").get_data(as_text=True)
    row = re.search(rf'data-session-id="{crowd["workshop"].id}".*?</tr>', page, re.S).group(0)
    assert "2 / 2" in row and "2 waiting" in row


def test_staff_snapshot_includes_todays_places(crowd):
    places = staff_snapshot()["places"]
    assert places["day"] == {"date": "2026-06-14", "capacity": 100, "remaining": 95}
    assert {"id": crowd["workshop"].id, "capacity": 2, "remaining": 0, "waiting": 2} in places["sessions"]
