"""Visitor text as displays show it (app.text): nothing invisible that could spoof another entry."""
import unicodedata

import pytest

from app import text


@pytest.mark.parametrize("raw,clean", [
    ("\u202eAnn\u202c", "Ann"),                       # right-to-left override and its pop
    ("\u202aA\u202bB\u202cC\u202dD", "ABCD"),         # every embedding and override U+202A–U+202E
    ("\u2066Ann\u2069 \u2067B\u2068", "Ann B"),       # isolates U+2066–U+2069
    ("A\u200bn\u200cn", "Ann"),                       # zero-width space and non-joiner
    ("An\u200dn", "Ann"),                             # a joiner between letters joins nothing visible
    ("\ufeffAnn\u2060", "Ann"),                       # byte-order mark, word joiner
    ("An\u00adn", "Ann"),                             # soft hyphen (Cf)
    ("Ann\ufe0f", "Ann"),                             # a variation selector on a letter
    ("\u3164", ""),                                   # Hangul filler: default-ignorable, looks blank
    ("a\x00b\x07c", "abc"),                           # controls
    ("  a\t\tb\nc  ", "a b c"),                       # tabs and line breaks separate words
    ("e\u0301", "\u00e9"),                            # NFC
    ("👩\u200d🎤 光", "👩\u200d🎤 光"),                  # the joiner inside an emoji stays
    ("❤\ufe0f", "❤\ufe0f"),                           # as does the emoji presentation selector
    ("👍🏽\u200d🔥", "👍🏽\u200d🔥"),
    ("\u200d", ""),
    ("a\u200d\u200d b \u200d", "a b"),
])
def test_clean_line_drops_what_cannot_be_seen(raw, clean):
    assert text.clean_line(raw) == clean


def test_no_format_character_survives_outside_an_emoji():
    """Every character of category Cf in the Basic Multilingual Plane, between two letters."""
    for point in range(0x10000):
        char = chr(point)
        if unicodedata.category(char) == "Cf":
            assert text.clean_line(f"a{char}b") == "ab", f"U+{point:04X}"


def test_strip_invisible_keeps_white_space_as_it_is():
    assert text.strip_invisible(" a\u200b\n b ") == " a\n b "


@pytest.mark.parametrize("raw,reason", [
    ("Ann", None), ("光\u200b", None), ("a\x00b", "nul"), ("\x00", "nul"), ("bad \ufffd", "not_utf8"),
])
def test_unreadable_names_what_a_database_cannot_take(raw, reason):
    assert text.unreadable(raw) == reason
