"""The kiosk's co-writer: the offline bank, the chat-completions endpoint (a real fake server) and the fallback."""
import json
import random
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import regex

from app.challenge import cowriter
from app.challenge.cowriter import (
    KINDS,
    ChatCompletionsProvider,
    Draft,
    OfflineProvider,
    Suggestion,
    bank_entries,
    clean,
    fill,
    keywords,
    provider_from_config,
    suggest,
)
from app.challenge.screening import screen

EN = Draft(
    locale="en",
    theme="A city that never sleeps",
    title="The Lighthouse Keeper",
    logline="A retired projectionist rebuilds a cinema on a rooftop in Shanghai.",
    beats=("She finds a box of old reels in the lighthouse.", ""),
    beat_count=4,
)
ZH = Draft(
    locale="zh",
    theme="不夜城",
    title="会做梦的机器人",
    logline="一台放映机器人想拍完自己的第一部电影。",
    beats=("她在上海的老影院醒来。",),
    beat_count=5,
)
EMPTY = {"en": Draft(locale="en", theme=""), "zh": Draft(locale="zh", theme="")}
HAN = re.compile(r"[\u4e00-\u9fff]")


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def answer(content) -> bytes:
    return json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}).encode()


class FakeChat:
    """An OpenAI-compatible endpoint on 127.0.0.1 that answers what the test sets, and records requests."""

    def __init__(self):
        self.status, self.body, self.delay = 200, answer("The Last Reel"), 0.0
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                body = self.rfile.read(length)
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                time.sleep(fake.delay)
                try:
                    self.send_response(fake.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(fake.body)))
                    self.end_headers()
                    self.wfile.write(fake.body)
                except OSError:  # the client gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def config(self, **overrides) -> dict:
        return {"BACKLOT_AI_URL": self.base_url, "BACKLOT_AI_MODEL": "test-model", "BACKLOT_AI_KEY": None,
                "BACKLOT_AI_TIMEOUT": 2.0, **overrides}

    @property
    def last(self) -> dict:
        return {**self.requests[-1], "json": json.loads(self.requests[-1]["body"])}


@pytest.fixture
def chat():
    fake = FakeChat()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


# --- The chat-completions endpoint. ---------------------------------------------

def test_the_endpoint_gets_the_draft_and_its_answer_is_used(chat):
    chat.body = answer('  Title: “The Keeper of the Last Reel”\n')
    result = suggest("title", EN, config=chat.config(BACKLOT_AI_KEY="sk-test"))

    assert result == Suggestion("The Keeper of the Last Reel", "chat")
    request = chat.last
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["json"]
    assert body["model"] == "test-model"
    assert body["max_tokens"] == 120 and body["temperature"] == 0.9
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "co-writer" in system["content"] and "English" in system["content"]
    assert "one suggestion only" in system["content"] and "at most 40 characters" in system["content"]
    for written in (EN.theme, EN.title, EN.logline, EN.beats[0]):
        assert written in user["content"]
    assert "title" in user["content"].lower()


def test_a_full_url_is_used_as_it_is_and_no_key_sends_no_authorization(chat):
    chat.body = answer("那台机器人梦见了第一部电影的最后一个镜头。")
    config = chat.config(BACKLOT_AI_URL=chat.base_url + "/chat/completions")

    assert suggest("beat", ZH, config=config) == Suggestion("那台机器人梦见了第一部电影的最后一个镜头。", "chat")
    request = chat.last
    assert request["path"] == "/v1/chat/completions"
    assert "Authorization" not in request["headers"]
    system, user = request["json"]["messages"]
    assert "Chinese" in system["content"] and "at most 140 characters" in system["content"]
    assert "beat 2 of 5" in user["content"] and ZH.title in user["content"]


def test_a_slow_endpoint_falls_back_offline_within_the_timeout(chat):
    chat.delay = 4
    started = time.monotonic()
    result = suggest("twist", EN, config=chat.config(BACKLOT_AI_TIMEOUT=0.5))

    assert time.monotonic() - started < 0.5 + 1
    assert result.provider == "offline" and result.text
    assert len(chat.requests) == 1


def test_a_refused_connection_falls_back_offline():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {"BACKLOT_AI_URL": f"http://127.0.0.1:{port}/v1", "BACKLOT_AI_MODEL": "m", "BACKLOT_AI_TIMEOUT": 2}

    result = suggest("title", EN, config=config)
    assert result.provider == "offline" and result.text


@pytest.mark.parametrize(
    "status, body",
    [
        (500, answer("The Last Reel")),
        (404, b'{"error": "no such model"}'),
        (204, b""),
        (200, b"<html>Bad gateway</html>"),
        (200, b'{"choices": []}'),
        (200, b'{"error": {"message": "rate limited"}}'),
        (200, answer(None)),
        (200, answer("   ")),
        (200, answer('""')),
    ],
)
def test_a_failing_endpoint_falls_back_offline(chat, status, body):
    chat.status, chat.body = status, body
    result = suggest("title", EN, config=chat.config())

    assert result.provider == "offline" and result.text
    assert len(chat.requests) == 1


@pytest.mark.parametrize(
    "draft, content",
    [
        (EN, "The Fucking Lighthouse"),
        (EN, "Kill yourself, keeper"),
        (ZH, "傻 逼机器人"),
        (EN, "灯塔看守人"),  # the wrong language
        (ZH, "The Dreaming Robot"),
    ],
)
def test_an_abusive_or_wrong_language_answer_falls_back_offline(chat, draft, content):
    chat.body = answer(content)
    result = suggest("title", draft, config=chat.config())

    assert result.provider == "offline"
    assert screen(result.text) == []


def test_a_long_answer_is_cut_to_the_field_in_graphemes(chat):
    family, flag = "👨‍👩‍👧", "🇨🇳"
    chat.body = answer("光锥" + family * 50)
    title = suggest("title", ZH, config=chat.config()).text
    assert title == "光锥" + family * 38
    assert graphemes(title) == 40 and len(title) > 40

    chat.body = answer("上" + (flag + "电影") * 100)
    beat = suggest("beat", ZH, config=chat.config()).text
    assert beat == "上" + (flag + "电影") * 46 + flag  # 1 + 46 × 3 + 1 graphemes; the flag is two code points

    chat.body = answer("She runs " * 40)
    beat = suggest("beat", EN, config=chat.config()).text
    assert graphemes(beat) <= 140 and beat.startswith("She runs She runs")


@pytest.mark.parametrize(
    "raw, kind, cleaned",
    [
        ('  "The Last Reel"  ', "title", "The Last Reel"),
        ("Title: The Last Reel.", "title", "The Last Reel"),
        ("**Suggested title:** “The Last Reel”", "title", "The Last Reel"),
        ("标题：《最后一卷胶片》", "title", "最后一卷胶片"),
        ("「片名：光锥」", "title", "光锥"),
        ("Beat 3:\n\nShe runs\n  to the   sea.", "beat", "She runs to the sea."),
        ("Twist: 'the keeper was the ghost'", "twist", "the keeper was the ghost"),
        ("反转：原来灯塔看守人就是那个鬼魂。", "twist", "原来灯塔看守人就是那个鬼魂。"),
        ('He said "run" and ran.', "beat", 'He said "run" and ran.'),
    ],
)
def test_clean(raw, kind, cleaned):
    assert clean(raw, kind) == cleaned


def test_any_provider_failure_falls_back_offline():
    class Broken:
        name = "chat"

        def suggest(self, kind, draft):
            raise RuntimeError("boom")

    assert suggest("beat", EN, provider=Broken()).provider == "offline"


def test_unknown_kinds_and_drafts_are_refused():
    with pytest.raises(ValueError):
        suggest("poem", EN)
    with pytest.raises(ValueError):
        Draft(locale="fr", theme="x")
    with pytest.raises(ValueError):
        Draft(locale="en", theme="x", beat_count=7)


def test_provider_from_config():
    assert isinstance(provider_from_config({"BACKLOT_AI_URL": None}), OfflineProvider)
    assert isinstance(provider_from_config({}), OfflineProvider)
    chat = provider_from_config({"BACKLOT_AI_URL": "http://ai.local:8000/v1/", "BACKLOT_AI_MODEL": "m",
                                 "BACKLOT_AI_KEY": "k", "BACKLOT_AI_TIMEOUT": 1.5})
    assert isinstance(chat, ChatCompletionsProvider)
    assert chat.url == "http://ai.local:8000/v1/chat/completions"
    assert (chat.model, chat.key, chat.timeout) == ("m", "k", 1.5)
    assert suggest("title", EN, config={}).provider == "offline"


# --- The offline bank. ------------------------------------------------------------

@pytest.mark.parametrize("locale", ["en", "zh"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_bank_entry_renders_for_an_empty_and_a_full_draft(locale, kind):
    entries = bank_entries(locale, kind)
    assert len(entries) >= 15
    full = EN if locale == "en" else ZH
    for template in entries:
        assert "{keyword}" in template or "{Keyword}" in template, template
        for draft in (EMPTY[locale], full):
            for keyword in keywords(draft)[:3] or cowriter._bank()[locale]["keywords"]:
                text = fill(template, keyword)
                assert "{" not in text and "}" not in text
                assert graphemes(text) <= cowriter.LIMITS[kind], text
                assert screen(text) == []
                assert bool(HAN.search(text)) == (locale == "zh"), text


@pytest.mark.parametrize("draft", [EN, ZH, EMPTY["en"], EMPTY["zh"]], ids=["en", "zh", "empty en", "empty zh"])
@pytest.mark.parametrize("kind", KINDS)
def test_offline_suggestions_are_in_the_drafts_language(draft, kind):
    for seed in range(10):
        result = suggest(kind, draft, provider=OfflineProvider(random.Random(seed)))
        assert result.provider == "offline"
        assert bool(HAN.search(result.text)) == (draft.locale == "zh"), result.text
        assert result.text == clean(result.text, kind)


def test_offline_suggestions_build_on_the_visitors_words():
    assert keywords(EN)[:3] == ["Lighthouse", "Keeper", "projectionist"]
    assert keywords(ZH)[:3] == ["做梦", "机器人", "不夜城"]
    assert keywords(Draft(locale="en", theme="Rain over the harbour")) == ["harbour", "Rain"]
    assert keywords(Draft(locale="zh", theme="城市之光")) == ["城市"]
    for draft in (EN, ZH):
        for seed in range(20):
            text = OfflineProvider(random.Random(seed)).suggest("twist", draft)
            assert any(word.lower() in text.lower() for word in keywords(draft)[:3]), text


def test_offline_suggestions_do_not_echo_flagged_words():
    draft = Draft(locale="en", theme="Night", title="Shit Happens", logline="A fucking long night at the cinema.")
    assert keywords(draft)[:2] == ["Happens", "cinema"]
    for seed in range(20):
        assert screen(OfflineProvider(random.Random(seed)).suggest("title", draft)) == []


def test_pressing_again_gives_another_suggestion():
    seeded = OfflineProvider(random.Random(7))
    assert len({seeded.suggest("beat", EN) for _ in range(10)}) > 5
    assert len({suggest("title", ZH).text for _ in range(10)}) > 3  # no rng: seeded per press


@pytest.mark.parametrize(
    "beats, beat_count, next_beat, stage",
    [
        ((), 3, 1, "setup"),
        (("a",), 3, 2, "turn"),
        (("a", "b"), 3, 3, "ending"),
        (("a", "b", "c"), 3, 3, "ending"),
        (("a", "", "c"), 4, 2, "turn"),
        (("a", "b", "c", "  "), 4, 4, "ending"),
        (("a", "b"), 4, 3, "climax"),
        (("a", "b", "c"), 6, 4, "turn"),
        (("a", "b", "c", "d"), 6, 5, "climax"),
    ],
)
def test_the_next_beat_and_its_part_of_the_story(beats, beat_count, next_beat, stage):
    draft = Draft(locale="en", theme="x", beats=beats, beat_count=beat_count)
    assert (draft.next_beat, draft.stage) == (next_beat, stage)
    text = OfflineProvider(random.Random(1)).suggest("beat", draft)
    fallbacks = cowriter._bank()["en"]["keywords"]
    assert any(text == fill(template, keyword)
               for template in bank_entries("en", "beat", stage) for keyword in fallbacks)
