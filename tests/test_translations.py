"""Every translatable string has its Chinese translation (English is the source language).

The strings are extracted as `make i18n-extract` does (Babel, babel.cfg, -k _l -k lazy_gettext -k said)
and compared with the zh catalogue: a string missing, left empty or fuzzy fails, and so does a
translation whose python-format placeholders differ from its msgid's."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "app/translations/zh/LC_MESSAGES/messages.po"
#: The Makefile's i18n-extract: -k _l -k lazy_gettext -k said (audit summaries) on top of Babel's defaults.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "said": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")


def extracted() -> dict[str | tuple[str, str], list[str]]:
    """msgid (or (singular, plural)) → where it is used ("file:line")."""
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict = {}
    for filename, line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        key = message if isinstance(message, str) else tuple(message[:2])
        if key and key != ("", ""):
            found.setdefault(key, []).append(f"{filename}:{line}")
    return found


def catalogue():
    with open(CATALOGUE, "rb") as po:
        return read_po(po, locale="zh")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_every_string_has_a_chinese_translation():
    zh = catalogue()
    missing = []
    for msgid, where in sorted(extracted().items(), key=lambda item: str(item[0])):
        message = zh.get(msgid)
        translations = [] if message is None else (
            list(message.string) if isinstance(message.string, (list, tuple)) else [message.string])
        if message is None or message.fuzzy or not all(translations):
            state = "missing" if message is None else "fuzzy" if message.fuzzy else "empty"
            missing.append(f"{state}: {msgid!r} ({where[0]})")
    assert not missing, f"{len(missing)} strings without a zh translation:\n" + "\n".join(missing)


def test_translations_keep_the_placeholders():
    wrong = []
    for message in catalogue():
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set().union(*(placeholders(text) for text in ids))
        for text in strings:
            if text and placeholders(text) != wanted:
                wrong.append(f"{message.id!r}: {sorted(wanted)} but {text!r} has {sorted(placeholders(text))}")
    assert not wrong, "\n".join(wrong)


def test_the_extraction_sees_templates_and_python():
    """The extraction sees the app's strings (a known one of each kind of file)."""
    found = extracted()
    assert "Your ticket" in found  # a template
    assert "Premiere" in found  # _l in Python
    assert "Turned auto-approve on" in found  # audit.said
    assert "This ticket is cancelled." in found
