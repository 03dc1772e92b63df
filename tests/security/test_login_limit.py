"""Sign-in guessing is limited per account and address: an attacker soon gets 429 for that account,
while the rest of a venue's shared Wi-Fi address, and the account from elsewhere, sign in."""
from __future__ import annotations

from tests.staff.conftest import csrf_from

#: The limit on app.staff.views.login: tries per minute for one email from one address.
TRIES = 10
VENUE_WIFI, MOBILE = "203.0.113.7", "198.51.100.20"


def try_password(site, address: str, email: str, password: str) -> int:
    client = site.app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_from(client.get("/staff/login").get_data(as_text=True))
    return client.post("/staff/login", data={"email": email, "password": password,
                                             "csrf_token": token}).status_code


def test_guessing_one_account_is_limited_without_locking_out_the_venue(site):
    target, _, _ = site.credentials["moderator"]
    colleague, colleague_password, _ = site.credentials["gate"]
    assert [try_password(site, VENUE_WIFI, target, f"guess-{n}") for n in range(TRIES)] == [401] * TRIES
    assert try_password(site, VENUE_WIFI, target, "one-more-guess") == 429
    assert try_password(site, VENUE_WIFI, f"  {target.upper()} ", "spelt-otherwise") == 429
    assert try_password(site, VENUE_WIFI, target, site.credentials["moderator"][1]) == 429
    # Another account behind the same address, and the same account from another one, sign in.
    assert try_password(site, VENUE_WIFI, colleague, colleague_password) == 302
    assert try_password(site, MOBILE, target, site.credentials["moderator"][1]) == 302
