"""Automatic abuse screen for visitors' stories: blocklisted zh and en terms, obfuscations included."""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

WORD_LISTS = Path(__file__).resolve().parents[2] / "seed" / "moderation"
BLOCKLISTS = ("en.txt", "zh.txt", "extra.txt")
ALLOWLIST = "allow.txt"

_LEET = str.maketrans("013457@$", "oieastas")
_HAN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_LATIN = "0-9a-z\u00c0-\u024f"  # characters that continue an English word
_GAP = re.compile(r"[\W_]+")
_ANY_GAP = r"[\W_]*"
#: Single letters split by spaces or punctuation, "f.u.c.k" or "f u c k".
_SPELLED_OUT = re.compile(rf"(?<![{_LATIN}])[a-z](?:[\W_]{{1,3}}[a-z](?![{_LATIN}])){{2,}}")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _read(name: str) -> list[str]:
    lines = (WORD_LISTS / name).read_text(encoding="utf-8").splitlines()
    return [_fold(line.strip()) for line in lines if line.strip() and not line.startswith("#")]


def _english_regex(terms: list[str]) -> tuple[re.Pattern, tuple[str, ...]]:
    """One regex for the English terms, built as a trie, and the term each of its empty groups marks.

    Any letter may repeat ("fuuuck"), a space or hyphen may be any gap or none, a plural may follow.
    """
    trie: dict = {}
    for term in terms:
        node = trie
        for ch in term.translate(_LEET):
            node = node.setdefault(_ANY_GAP if ch in " -" else re.escape(ch) * 2 + "*", {})
        node.setdefault(None, term)
    marked: list[str] = []

    def render(node: dict) -> str:
        # Letters before gaps, so that "autoerotic" is reported as itself, not as "auto erotic".
        tokens = sorted((token for token in node if token is not None), key=lambda token: token == _ANY_GAP)
        alternatives = [token + render(node[token]) for token in tokens]
        if None in node:  # groups are numbered in the order they are rendered
            marked.append(node[None])
            alternatives.append("()")
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    body = render(trie)
    return re.compile(rf"(?<![{_LATIN}]){body}(?:e?s)?(?![{_LATIN}])"), tuple(marked)


@functools.cache
def _matchers() -> tuple[re.Pattern, tuple[str, ...], dict[str, list[tuple[str, str]]]]:
    """The English regex and its marked terms, and the Chinese (key, term)s by first character, longest first.

    Terms with a Chinese character match inside words, the others as whole words.
    """
    allowed = set(_read(ALLOWLIST))
    terms = dict.fromkeys(term for name in BLOCKLISTS for term in _read(name) if term not in allowed)
    regex, english = _english_regex([t for t in terms if not _HAN.search(t)])
    chinese: dict[str, list[tuple[str, str]]] = {}
    for term in sorted((t for t in terms if _HAN.search(t)), key=len, reverse=True):
        key = _GAP.sub("", term.translate(_LEET))
        chinese.setdefault(key[0], []).append((key, term))
    return regex, english, chinese


def screen(*texts: str) -> list[str]:
    """The blocklisted terms found in these texts (zh and en), in the order found, without repeats."""
    regex, english, chinese = _matchers()
    found: dict[str, None] = {}
    for text in texts:
        text = _fold(text).translate(_LEET)
        spelled = _SPELLED_OUT.sub(lambda m: _GAP.sub("", m[0]), text)
        found.update((english[m.lastindex - 1], None) for m in regex.finditer(spelled))
        found.update((term, None) for term in _chinese_terms(_GAP.sub("", text), chinese))
    return list(found)


def _chinese_terms(compact: str, chinese: dict[str, list[tuple[str, str]]]):
    """The terms in this text without gaps: at each place the longest starting there, then on past it."""
    i = 0
    while i < len(compact):
        starting = chinese.get(compact[i], ())
        match = next(((key, term) for key, term in starting if compact.startswith(key, i)), None)
        if match:
            yield match[1]
        i += len(match[0]) if match else 1
