"""The public pages the accessibility and page-weight tests visit, and the data they need
(a ticket, a session, a film) made on the shared live server through its API."""
from __future__ import annotations

import re
import uuid

import requests

DAY = "2026-06-14"


def register_ticket(live_server: str, locale: str = "en") -> str:
    """A fresh ticket for 14 June with one bookable session, through the API; its code."""
    schedule = requests.get(f"{live_server}/api/v1/schedule", timeout=10).json()
    bookable = [item["id"] for item in schedule["sessions"]
                if item["requires_registration"] and item["starts_at"].startswith(DAY)]
    answer = requests.post(f"{live_server}/api/v1/registrations", timeout=10, json={
        "name": f"Visitor {uuid.uuid4().hex[:6]}", "email": f"{uuid.uuid4().hex[:10]}@example.org",
        "days": [DAY], "sessions": bookable[-1:], "locale": locale, "consent": True})
    assert answer.status_code == 201, answer.text
    return answer.json()["ticket"]["code"]


def public_pages(live_server: str) -> dict[str, str]:
    """Name → path of every public page, a session, a film and a ticket included."""
    schedule = requests.get(f"{live_server}/api/v1/schedule", timeout=10).json()
    session_id = next(item["id"] for item in schedule["sessions"] if item["requires_registration"])
    films = requests.get(f"{live_server}/films", timeout=10).text
    film = re.search(r'href="(/films/[^"/]+)"', films).group(1)
    return {
        "home": "/",
        "schedule": "/schedule",
        "session": f"/schedule/{session_id}",
        "films": "/films",
        "film": film,
        "about": "/about",
        "register": "/register",
        "find-ticket": "/tickets/find",
        "ticket": f"/t/{register_ticket(live_server)}",
        "vote": "/vote",
    }
