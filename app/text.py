"""Text visitors type, as a public screen may show it: nothing invisible that could make one
entry look like another.

Plain functions, no Flask: the registration rules, the story rules and the request screening
(app.inputs) use them.
"""
from __future__ import annotations

import unicodedata

import regex

#: Invisible characters: controls, format characters (category Cf: the bidi embeddings,
#: overrides and isolates U+202A–U+202E and U+2066–U+2069, the zero-width U+200B–U+200D,
#: U+2060, U+FEFF, soft hyphens, tags) and the other default-ignorable ones (Hangul fillers,
#: variation selectors). Tabs and line breaks are controls too, but they separate words:
#: white space is folded instead. Two keep their place inside an emoji only: the joiner
#: between two pictographs (👩‍🎤) and a variation selector after one (❤️); anywhere else
#: "Ann" and "An\u200dn" would look the same on a display.
_INVISIBLE = regex.compile(
    r"(?!(?<=[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])\u200D(?=\p{Extended_Pictographic}))"
    r"(?!(?<=\p{Emoji})[\uFE0E\uFE0F])"
    r"[[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]--\s]",
    regex.VERSION1)
_SPACES = regex.compile(r"\s+")
#: What a decoder puts where bytes were not UTF-8 (a form post in another encoding).
REPLACEMENT = "\ufffd"


def strip_invisible(text: str) -> str:
    """`text` in NFC without its invisible characters (white space stays as it is)."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", text))


def clean_line(text: str) -> str:
    """One line of visitor text: NFC, no invisible characters, single spaces, trimmed."""
    return _SPACES.sub(" ", strip_invisible(text)).strip()


def unreadable(text: str) -> str | None:
    """Why a database or a reader cannot take `text` as sent: "nul" (PostgreSQL refuses the
    character in text), "not_utf8" (bytes that were not UTF-8), or None."""
    if "\x00" in text:
        return "nul"
    if REPLACEMENT in text:
        return "not_utf8"
    return None
