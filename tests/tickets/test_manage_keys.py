"""The management key's rules as plain functions: issued once, stored as a hash, compared exactly."""
import re

import pytest

from app.errors import DomainError
from app.tickets import manage_keys
from app.tickets.models import Ticket


def test_a_key_is_128_random_bits_and_only_its_hash_is_kept():
    ticket = Ticket(code="c" * 22)

    key = manage_keys.issue(ticket)

    assert re.fullmatch(r"[\w-]{22}", key) and ticket.manage_key == key
    assert re.fullmatch(r"[0-9a-f]{64}", ticket.manage_key_hash) and key not in ticket.manage_key_hash
    assert ticket.manage_key_hash == manage_keys.digest(key)
    assert len({manage_keys.new_key() for _ in range(1000)}) == 1000


def test_only_the_latest_key_matches():
    ticket = Ticket(code="c" * 22)
    old = manage_keys.issue(ticket)
    new = manage_keys.issue(ticket)

    assert manage_keys.matches(ticket, new)
    for wrong in (old, new.upper(), new[:-1], new + "x", "", None):
        assert not manage_keys.matches(ticket, wrong)


def test_a_ticket_without_an_issued_key_matches_nothing():
    ticket = Ticket(code="c" * 22, manage_key_hash="")

    assert not any(manage_keys.matches(ticket, key) for key in ("", None, manage_keys.new_key()))
    assert ticket.manage_key is None


def test_require_refuses_with_403_manage_key_required():
    ticket = Ticket(code="c" * 22)
    key = manage_keys.issue(ticket)

    manage_keys.require(ticket, key)
    for wrong in (None, manage_keys.new_key()):
        with pytest.raises(DomainError) as refused:
            manage_keys.require(ticket, wrong)
        assert (refused.value.code, refused.value.status) == ("manage_key_required", 403)
