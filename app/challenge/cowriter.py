"""The My Story kiosk's AI co-writer: suggests a title, the next beat or a twist, offline when it must."""
from __future__ import annotations

import functools
import itertools
import json
import logging
import random
import re
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Protocol

import regex

from app.challenge import screening

log = logging.getLogger(__name__)

KINDS = ("title", "beat", "twist")
LOCALES = ("zh", "en")
#: The longest suggestion each kiosk field takes, in graphemes.
LIMITS = {"title": 40, "beat": 140, "twist": 140}
BANK = Path(__file__).resolve().parents[2] / "seed" / "cowriter.toml"
#: What each part of a short film does, for the chat prompt (the bank follows the same shape).
STAGES = {
    "setup": "set up who wants what, and the event that upsets their world",
    "turn": "complicate things: a new obstacle, a raised stake or a reversal",
    "climax": "the decisive confrontation or choice",
    "ending": "resolve the story, ideally echoing its opening image",
}

_EN_STOPWORDS = frozenset(
    """about above after again against all also and another any are around because been before
    being below between both but can cannot could did does doing down during each every few
    for from further had has have having her here hers herself him himself his how into its
    itself just more most much must never nothing once only other ought our ours out over own
    same she should some still such than that the their theirs them then there these they this
    those through too under until upon very was were what when where which while who whom why
    will with within without would you your yours first last next little small great good long
    old new young""".split()
)
_EN_DETERMINERS = frozenset("a an the my your his her its our their this that these those one".split())
#: Word endings and words that are likely adjectives ("a lonely robot", "a lost child").
_EN_ADJECTIVE = re.compile(
    r"(?:ed|ful|less|ous|ive|al|ic|y|en|old|new|young|little|small|big|great|good|long|last|first|lost|dark"
    r"|strange|secret|other)$"
)
_EN_WORD = re.compile(r"[A-Za-z]+(?:['-][A-Za-z]+)*")
#: Characters that separate Chinese phrases: particles, pronouns, common prepositions.
_ZH_BREAK = re.compile(
    r"[^\u4e00-\u9fff]+|[的了着过在是和与及或而但却就都也又很把被给从向对为于之这那我你他她它们吗呢吧啊呀想要会能让]+"
    r"|[一两几每][个台部张只位条本间家座片场]"
)
_LABEL = re.compile(
    r"^(?:(?:suggested |next )?(?:title|beat|twist|suggestion)(?: \d+)?|标题|片名|题目|建议|节拍|情节|反转|转折)\s*[:：][*\s]*",
    re.IGNORECASE,
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "「": "」", "『": "』", "《": "》", "«": "»"}
_presses = itertools.count()


@dataclass(frozen=True)
class Draft:
    """What the visitor has written so far."""

    locale: str  # "zh" or "en"
    theme: str  # the round's theme, in that locale
    title: str = ""
    logline: str = ""
    beats: tuple[str, ...] = ()  # beats written so far (may contain empty strings)
    beat_count: int = 3  # how many beats the round asks for (3..6)

    def __post_init__(self):
        if self.locale not in LOCALES:
            raise ValueError(f"locale must be one of {LOCALES}, not {self.locale!r}")
        if not 3 <= self.beat_count <= 6:
            raise ValueError(f"beat_count must be 3 to 6, not {self.beat_count!r}")

    @property
    def next_beat(self) -> int:
        """The beat to suggest, from 1: the first empty one, else the one after the last written."""
        written = [bool(beat.strip()) for beat in self.beats[: self.beat_count]]
        return min(written.index(False) + 1 if False in written else len(written) + 1, self.beat_count)

    @property
    def stage(self) -> str:
        """The next beat's part of the story (STAGES); with three beats there is no separate climax."""
        n, total = self.next_beat, self.beat_count
        if n in (1, total):
            return "setup" if n == 1 else "ending"
        return "climax" if n == total - 1 and total > 3 else "turn"


@dataclass(frozen=True)
class Suggestion:
    text: str
    provider: str  # "offline" or "chat" (the name of who wrote it)


class Provider(Protocol):
    name: str

    def suggest(self, kind: str, draft: Draft) -> str: ...


@functools.cache
def _bank() -> dict:
    return tomllib.loads(BANK.read_text(encoding="utf-8"))


def bank_entries(locale: str, kind: str, stage: str | None = None) -> list[str]:
    """The bank's templates for this kind (beats: for this stage, or all of them)."""
    entries = _bank()[locale][kind]
    if kind != "beat":
        return entries
    return entries[stage] if stage else [template for part in STAGES for template in entries[part]]


def fill(template: str, keyword: str) -> str:
    return template.format(keyword=keyword, Keyword=keyword[:1].upper() + keyword[1:])


def keywords(draft: Draft) -> list[str]:
    """Words or phrases of the visitor's story to build on, best first; the theme's when they wrote none.

    English: the title's words, then the logline's and last beat's (see _english_words). Chinese:
    2–4 character phrases, the title's and theme's first (the last three characters of a longer
    phrase, where its noun usually is).
    """
    last_beat = next((beat for beat in reversed(draft.beats) if beat.strip()), "")
    if draft.locale == "zh":
        texts = (draft.title, draft.theme, draft.logline, last_beat)
        phrases = [p if len(p) <= 4 else p[-3:] for text in texts for p in _ZH_BREAK.split(text) if len(p) >= 2]
        phrases = phrases or _english_words(*texts)
    else:
        phrases = _english_words(draft.title, nounish=True) + _english_words(draft.logline, last_beat)
        phrases = phrases or _english_words(draft.theme, nounish=True)
    unique: dict[str, str] = {}
    for phrase in phrases:
        unique.setdefault(phrase.lower(), phrase)
    return [phrase for phrase in unique.values() if not screening.screen(phrase)]


def _english_words(*texts: str, nounish: bool = False) -> list[str]:
    """The words of these texts that are not stopwords, without repeats: nouns first, as far as a
    heuristic can tell (after a determiner and at most one adjective; not ending in -ed or -ly),
    then the longest."""
    best: dict[str, tuple[tuple, str]] = {}
    for text in texts:
        words = _EN_WORD.findall(text)
        tokens = [word.lower() for word in words]
        for i, word in enumerate(words):
            word = word.removesuffix("'s")
            if len(word) <= 3 or word.lower() in _EN_STOPWORDS:
                continue
            before = tokens[max(0, i - 2) : i]
            after_determiner = bool(before) and (
                before[-1] in _EN_DETERMINERS
                or len(before) == 2 and before[0] in _EN_DETERMINERS and bool(_EN_ADJECTIVE.search(before[1]))
            )
            rank = (nounish or after_determiner, not word.lower().endswith(("ed", "ly")), len(word))
            if word.lower() not in best or rank > best[word.lower()][0]:
                best[word.lower()] = (rank, word)
    return [word for _, word in sorted(best.values(), reverse=True)]


class OfflineProvider:
    """Fills the bank's templates in seed/cowriter.toml with a keyword of the visitor's story."""

    name = "offline"

    def __init__(self, rng: random.Random | None = None):
        self.rng = rng

    def suggest(self, kind: str, draft: Draft) -> str:
        # A fresh seed per press, so that pressing the button again gives another suggestion.
        rng = self.rng or random.Random(f"{draft!r}/{next(_presses)}/{time.time_ns()}")
        template = rng.choice(bank_entries(draft.locale, kind, draft.stage if kind == "beat" else None))
        return fill(template, rng.choice(keywords(draft)[:3] or _bank()[draft.locale]["keywords"]))


class ChatCompletionsProvider:
    """An OpenAI-compatible chat-completions endpoint, over urllib."""

    name = "chat"

    def __init__(self, url: str, model: str, key: str | None = None, timeout: float = 4.0):
        url = url.rstrip("/")
        self.url = url if url.endswith("/chat/completions") else url + "/chat/completions"
        self.model, self.key, self.timeout = model, key, timeout

    def suggest(self, kind: str, draft: Draft) -> str:
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system_prompt(kind, draft)},
                {"role": "user", "content": user_prompt(kind, draft)},
            ],
            "max_tokens": 120,
            "temperature": 0.9,
        }
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=headers, method="POST")
        # The timeout bounds the connection and each read, not the whole exchange.
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            if response.status != 200:
                raise ValueError(f"the co-writer endpoint answered {response.status}")
            answer = json.loads(response.read(1 << 16))
        return answer["choices"][0]["message"]["content"]


def system_prompt(kind: str, draft: Draft) -> str:
    language = "Simplified Chinese" if draft.locale == "zh" else "English"
    return (
        "You are a film co-writer at a public kiosk of AI BACKLOT, a film exhibition of the Shanghai "
        "International Film Festival, helping a visitor write a very short film story. Answer with one "
        f"suggestion only, with no preamble, label or quotes, in {language}; keep it family-friendly and "
        f"at most {LIMITS[kind]} characters."
    )


def user_prompt(kind: str, draft: Draft) -> str:
    beats = "\n".join(f"{i}. {beat.strip() or '(not written yet)'}" for i, beat in enumerate(draft.beats, 1))
    task = {
        "title": "Suggest a title for this story.",
        "beat": f"Suggest beat {draft.next_beat} of {draft.beat_count}: {STAGES[draft.stage]}.",
        "twist": "Suggest a twist that turns this story in a surprising but fitting direction.",
    }[kind]
    return (
        f"Theme of the round: {draft.theme.strip() or '(none)'}\n"
        f"Title: {draft.title.strip() or '(not written yet)'}\n"
        f"Logline: {draft.logline.strip() or '(not written yet)'}\n"
        f"Beats so far ({draft.beat_count} in all):\n{beats or '(none yet)'}\n\n{task}"
    )


def provider_from_config(config: Mapping) -> Provider:
    """The chat endpoint when BACKLOT_AI_URL is set, else the offline bank."""
    if not config.get("BACKLOT_AI_URL"):
        return OfflineProvider()
    return ChatCompletionsProvider(
        config["BACKLOT_AI_URL"],
        config.get("BACKLOT_AI_MODEL") or "gpt-4o-mini",
        config.get("BACKLOT_AI_KEY"),
        float(config.get("BACKLOT_AI_TIMEOUT") or 4),
    )


def clean(text: str, kind: str) -> str:
    """One line without surrounding quotes or a leading label (or a title's full stop), cut to the
    field's limit in graphemes."""
    text = " ".join(text.split())
    while True:
        stripped = _LABEL.sub("", text.strip("*# "), count=1)
        if len(stripped) >= 2 and _QUOTES.get(stripped[0]) == stripped[-1]:
            stripped = stripped[1:-1].strip()
        if stripped == text:
            break
        text = stripped
    if kind == "title":
        text = text.rstrip("。.")
    return "".join(regex.findall(r"\X", text)[: LIMITS[kind]]).rstrip()


def suggest(
    kind: str, draft: Draft, *, provider: Provider | None = None, config: Mapping | None = None
) -> Suggestion:
    """A suggestion from the provider (by default the configured one), or from the offline bank
    when it fails in any way or writes something empty, in the wrong language or flagged by the
    abuse screen."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    provider = provider or provider_from_config(config or {})
    try:
        text = clean(provider.suggest(kind, draft), kind)
        if not text:
            raise ValueError("an empty suggestion")
        if bool(_HAN.search(text)) != (draft.locale == "zh"):
            raise ValueError(f"a suggestion in the wrong language: {text!r}")
        if flagged := screening.screen(text):
            raise ValueError(f"a suggestion the screen flags: {flagged}")
        return Suggestion(text, provider.name)
    except Exception as exc:
        log.warning("The %s co-writer failed (%r); suggesting offline instead", provider.name, exc)
    offline = OfflineProvider()
    return Suggestion(clean(offline.suggest(kind, draft), kind), offline.name)
