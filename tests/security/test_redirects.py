"""?next= never leads off the site: not the language switch, not the sign-in."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.staff.conftest import csrf_from

#: Targets a browser would follow to another host (it drops tabs and newlines, reads \ as /), or
#: that cannot go in a Location header at all.
ELSEWHERE = ["https://evil.example/", "//evil.example/", "/\t/evil.example/", "/\n/evil.example/",
             "/\\evil.example/", "/staff\n/evil.example/"]


def stays_here(response) -> bool:
    location = response.headers.get("Location", "")
    return response.status_code in (302, 303) and location.startswith("/") and "//" not in location \
        and "\\" not in location and "\t" not in location


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_language_switch_stays_on_the_site(site, target):
    assert stays_here(site.app.test_client().get(f"/lang/en?next={quote(target)}"))


def test_sign_in_goes_back_only_to_a_staff_page(site):
    email, password, _ = site.credentials["display"]
    client = site.app.test_client()
    for target in [*ELSEWHERE, "/staff/accounts"]:
        token = csrf_from(client.get("/staff/login").get_data(as_text=True))
        response = client.post(f"/staff/login?next={quote(target)}", data={
            "email": email, "password": password, "csrf_token": token})
        assert stays_here(response), target
        assert response.headers["Location"] == (target if target == "/staff/accounts" else "/staff")
