"""Ticket QR codes as served: they decode to exactly the ticket's URL, at phone-screen size too."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ElementTree

import pytest
import zxingcpp
from PIL import Image

from app.tickets import services
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def ticket(app):
    make_day()
    registration = services.register(RegistrationRequest(
        name="李雷", email="li@example.org", days=[make_day().date], session_ids=[], locale="zh", consent=True))
    return registration.tickets[0]


def decoded(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_png_decodes_to_the_ticket_url(client, ticket):
    response = client.get(f"/t/{ticket.code}/qr.png")

    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    image = Image.open(io.BytesIO(response.data))
    assert decoded(image) == [f"http://localhost/t/{ticket.code}"]
    # Scaled down to what a phone shows at the gate, it still reads.
    assert decoded(image.convert("L").resize((150, 150), Image.LANCZOS)) == [f"http://localhost/t/{ticket.code}"]


def test_png_follows_the_public_origin(app, client, ticket):
    app.config["BACKLOT_BASE_URL"] = "https://backlot.example.org"
    image = Image.open(io.BytesIO(client.get(f"/t/{ticket.code}/qr.png").data))
    assert decoded(image) == [f"https://backlot.example.org/t/{ticket.code}"]


def test_png_size_is_kept_within_bounds(client, ticket):
    def width(query: str) -> int:
        return Image.open(io.BytesIO(client.get(f"/t/{ticket.code}/qr.png{query}").data)).width

    default, small, large = width(""), width("?size=4"), width("?size=40")
    assert small * 10 == default * 4 and large == default * 4
    assert width("?size=100000") == large and width("?size=0") == width("?size=2")
    assert width("?size=big") == default


def test_svg_is_scalable_xml(client, ticket):
    response = client.get(f"/t/{ticket.code}/qr.svg")

    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.find(f"{SVG}path") is not None


def test_a_cancelled_ticket_has_no_code_to_scan(client, ticket):
    services.cancel_ticket(ticket)
    for path in ("qr.png", "qr.svg"):
        response = client.get(f"/t/{ticket.code}/{path}?lang=en")
        assert response.status_code == 410
        assert "This ticket is cancelled." in response.get_data(as_text=True)


def test_an_unknown_code_has_no_qr(client, app):
    assert client.get("/t/not-a-code/qr.png").status_code == 404
