"""No visitor page or mail mixes languages (issue 14).

Every public page (error pages included), in zh and in en, through the test client on the seeded
programme, and every kind of visitor mail as it reaches a real SMTP server. What is checked is what
a visitor sees or hears: the text, and the alt, title, aria-label, placeholder and data-text-*
strings (the ones the page's scripts show). Without the programme's proper names and the visitor's
own words, an en page holds no CJK character and a zh page no English word beyond ZH_LATIN.

A part in the other language on purpose says so with its lang attribute: the language switch
does, and is the only one allowed to. <html lang> (pages and the mails' HTML) names the language."""
from __future__ import annotations

import re
from datetime import date, time, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.challenge.models import ChallengeRound
from app.clock import at_local
from app.db import unit_of_work
from app.extensions import db
from app.i18n import LOCALES
from app.schedule import editing
from app.schedule.models import Film, Slot
from app.tickets import lookup, no_show, notify, outbox, services
from app.tickets.links import ticket_url
from app.tickets.models import OutboxMail
from app.tickets.rules import RegistrationRequest
from tests.builders import make_story
from tests.staff.conftest import csrf_from
from tests.tickets.conftest import mail_app, smtp  # noqa: F401 (fixtures: a real SMTP server)

DAY, DAY_TWO = date(2026, 6, 14), date(2026, 6, 15)
#: A schedule filter the visitor typed, which the page names as they typed it.
UNKNOWN_KIND = "opera"

#: Proper names of the programme (seed/programme.toml), written the same in both languages.
NAMES = (
    "AI BACKLOT",         # the exhibition
    "My Story",           # its live production challenge
    "Lightcone", "N.I.", "Neng Gong Zhi Ren", "Tri-Head", "Bicycle Kids",  # the four teams and films
    "MiniMax",            # the partner company (海螺AI（MiniMax）)
    "Gong Bo", "Mu Deyuan", "Yu Baimei", "Zhang Chiyu",  # jurors whose names are given in pinyin
)

#: The only Latin words a zh page or mail may hold besides NAMES.
ZH_LATIN = frozenset({
    "AI",    # how Chinese writes it: AI 工具, AI 提示词
    "AIGC",  # the Chinese industry term for AI-generated content (AIGC 创作者)
    "UTC",   # the offset notation: 北京时间（UTC+8）
    "A", "B",  # the room letters of the venue names: 工作坊 A 室
    "T",     # T 恤, the Chinese word for a T-shirt (a film's AI prompt)
})

#: What the language switch shows of the other language, in an element with that lang.
SWITCH_LABEL = {"zh": "EN", "en": "中文"}

#: Han ideographs, CJK punctuation and full-width forms: none of them belongs on an en page.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002ffff]+")
LATIN_WORD = re.compile(r"[A-Za-z]+(?:['’.-][A-Za-z]+)*")
URL = re.compile(r"https?://[!-~]+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
#: The {placeholders} of the data-text-* strings, which the page's script fills in.
PLACEHOLDER = re.compile(r"\{\w+\}")
#: Numbers, times, codes and units written with digits: 10:30, UTC+8 (the 8), ref_face_03, 35mm.
WITH_DIGITS = re.compile(r"[A-Za-z_]*\d[\w:+.-]*", re.ASCII)

VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
UNSEEN = frozenset({"script", "style", "template"})
SPOKEN = frozenset({"alt", "title", "aria-label", "placeholder"})


class VisibleText(HTMLParser):
    """What a visitor sees or hears of an HTML page in `locale` (`parts`), and apart (`other`)
    what is marked as another language with a lang attribute."""

    def __init__(self, locale: str) -> None:
        super().__init__(convert_charrefs=True)
        self.locale = locale
        self.html_lang: str | None = None
        self.parts: list[str] = []
        self.other: list[str] = []
        self._open: list[tuple[str, list[str] | None]] = []  # (tag, where its text goes; None: unseen)

    def _sink(self) -> list[str] | None:
        return self._open[-1][1] if self._open else self.parts

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.html_lang = attributes.get("lang")
        sink = self._sink()
        lang = attributes.get("lang")
        if sink is None or tag in UNSEEN:
            sink = None
        elif lang is not None and lang.split("-")[0] != self.locale:
            sink = self.other
        if sink is not None:
            sink.extend(value.strip() for name, value in attributes.items()
                        if value and value.strip() and (name in SPOKEN or name.startswith("data-text-")))
        if tag not in VOID:
            self._open.append((tag, sink))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._open.pop()

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                return

    def handle_data(self, data):
        sink = self._sink()
        if sink is not None and data.strip():
            sink.append(data.strip())


def visible(html: str, locale: str) -> VisibleText:
    parser = VisibleText(locale)
    parser.feed(html)
    parser.close()
    return parser


def foreign(text: str, locale: str, own: tuple[str, ...] = ()) -> list[str]:
    """What in `text` is not in `locale`, each in its context; `own`: the visitor's own words
    (names, email, codes), which stay as they were typed."""
    text = EMAIL.sub(" ", URL.sub(" ", text))
    for name in sorted({*NAMES, *own}, key=len, reverse=True):
        text = text.replace(name, " ")
    text = WITH_DIGITS.sub(" ", PLACEHOLDER.sub(" ", text))
    if locale == "en":
        found = list(CJK.finditer(text))
    else:
        found = [match for match in LATIN_WORD.finditer(text) if match.group() not in ZH_LATIN]
    return [f"{match.group()!r} in …{text[max(match.start() - 25, 0):match.end() + 25]}…" for match in found]


def test_the_check_finds_mixing_and_leaves_names_and_the_switch_alone():
    """The check itself: it can fail, and it fails on what it should."""
    zh_page = ('<html lang="zh"><body><h1>日程</h1><p>Lightcone 开放片场 10:30–11:15 Booked</p>'
               '<a lang="en" href="/lang/en">EN</a><img alt="QR code"><script>var x = "no";</script></body></html>')
    parsed = visible(zh_page, "zh")
    assert parsed.html_lang == "zh" and parsed.other == ["EN"]
    assert [hit.split()[0] for hit in foreign(" ".join(parsed.parts), "zh")] == ["'Booked'", "'QR'", "'code'"]
    en_page = '<html lang="en"><p>Sun 14 June · 10:30 李雷</p><p>Open set（开放片场）</p><a lang="zh">中文</a></html>'
    parsed = visible(en_page, "en")
    assert parsed.other == ["中文"]
    assert [hit.split()[0] for hit in foreign(" ".join(parsed.parts), "en", own=("李雷",))] == ["'（开放片场）'"]
    assert foreign("AI BACKLOT 与 AIGC 创作者 · ref_face_03 · li@example.org https://x.test/t/abc", "zh") == []


# --- pages -------------------------------------------------------------------------------------

def _slot(key: str) -> Slot:
    return db.session.scalars(select(Slot).where(Slot.key == key)).one()


def _ask(name: str, email: str, locale: str, sessions: list[Slot], companions=()) -> RegistrationRequest:
    return RegistrationRequest(name=name, email=email, days=[DAY, DAY_TWO], session_ids=[slot.id for slot in sessions],
                               locale=locale, consent=True, companions=list(companions))


@pytest.fixture
def visit(programme):
    """The seeded programme and a visitor with a bit of everything: a confirmed place, a waiting
    list place, a session staff cancelled, a companion whose ticket is cancelled; and a session
    whose booking opens tomorrow (its date and time are in the register page's words)."""
    booked, full, dropped = _slot("d1-ws-storyboard"), _slot("d1-set-bicycle-kids-3"), _slot("d2-ws-editing")
    full.capacity = 1
    _slot("d2-ws-family").booking_opens_at = at_local(DAY_TWO, time(9))
    db.session.commit()
    services.register(_ask("王小明", "wang@example.org", "zh", [full]))

    def register(locale: str) -> dict:
        registration = services.register(_ask("李雷", "li@example.org", locale, [booked, full, dropped],
                                              companions=["Han Meimei"]))
        editing.set_slot_cancelled(dropped, True, actor=None)
        primary, companion = registration.tickets
        services.cancel_ticket(companion)
        codes = (primary.code, companion.code)
        return {"ticket": primary.code, "key": primary.manage_key, "companion": companion.code,
                "booked": booked.id, "dropped": dropped.id,
                "own": ("李雷", "Han Meimei", "li@example.org", *codes, UNKNOWN_KIND,
                        *(" ".join(code[i:i + 4] for i in range(0, len(code), 4)) for code in codes))}
    return register


def _pages(client, seen: dict):
    """(name, response, status it must have, whether it has the site's header) for every page."""
    films = db.session.scalars(select(Film).order_by(Film.position)).all()
    ticket = seen["ticket"]
    gets = {
        "home": ("/", 200), "schedule": ("/schedule", 200), "schedule, day 2": ("/schedule?day=2026-06-15", 200),
        "session": (f"/schedule/{seen['booked']}", 200), "cancelled session": (f"/schedule/{seen['dropped']}", 200),
        "films": ("/films", 200), **{f"film {film.key}": (f"/films/{film.key}", 200) for film in films},
        "about": ("/about", 200), "register": ("/register", 200), "ticket": (f"/t/{ticket}", 200),
        "ticket with its management link": (f"/t/{ticket}?key={seen['key']}", 200),
        "cancelled ticket": (f"/t/{seen['companion']}", 200), "vote": ("/vote", 200),
        "vote with the ticket": (f"/vote?code={ticket}", 200), "find my ticket": ("/tickets/find", 200),
        "404": ("/no-such-page", 404), "404 session": ("/schedule/999999", 404),
        "unknown schedule filter": (f"/schedule?day=2030-01-01&kind={UNKNOWN_KIND}", 400),
        "unsatisfiable range (werkzeug's own error)": ("/ticket-sw.js", 416),
    }
    for name, (path, status) in gets.items():
        headers = {"Range": "bytes=99999999-"} if status == 416 else {}
        yield name, client.get(path, headers=headers), status, True
    yield "print", client.get(f"/t/{ticket}/print"), 200, False
    token = csrf_from(client.get("/register").get_data(as_text=True))
    yield "registration with errors", client.post("/register", data={
        "csrf_token": token, "name": "", "email": "li@", "days": []}), 422, True
    yield "registration refused", client.post("/register", data={
        "csrf_token": token, "name": "李雷", "email": "li@example.org", "days": [DAY.isoformat()],
        "sessions": ["999999"], "consent": "y"}), 422, True
    yield "find my ticket, sent", client.post("/tickets/find", data={
        "csrf_token": token, "email": "li@example.org"}, follow_redirects=True), 200, True
    yield "find my ticket, no email", client.post("/tickets/find", data={"csrf_token": token, "email": ""}), 400, True
    yield "expired form", client.post("/tickets/find", data={"email": "li@example.org"}), 400, True


@pytest.mark.parametrize("locale", LOCALES)
def test_no_visitor_page_mixes_languages(visit, client, locale):
    seen = visit(locale)
    assert client.get(f"/lang/{locale}").status_code == 302  # the header's switch: a cookie
    mixed, wrong = {}, []
    for name, response, status, has_header in _pages(client, seen):
        page = visible(response.get_data(as_text=True), locale)
        if response.status_code != status or page.html_lang != locale:
            wrong.append(f"{name}: status {response.status_code}, <html lang={page.html_lang!r}>")
        if page.other != ([SWITCH_LABEL[locale]] if has_header else []):
            wrong.append(f"{name}: marked as another language: {page.other}")
        if found := foreign(" | ".join(page.parts), locale, own=seen["own"]):
            mixed[name] = found
    assert not wrong, "\n".join(wrong)
    assert not mixed, "\n".join(f"{name}: {found}" for name, found in mixed.items())


# --- mails -------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
def test_no_mail_mixes_languages(programme, mail_app, smtp, locale):  # noqa: F811 (fixtures)
    booked, full = _slot("d1-ws-storyboard"), _slot("d1-set-bicycle-kids-3")
    full.capacity = 1
    db.session.commit()
    first = services.register(_ask("王小明", "wang@example.org", "zh", [full])).tickets[0]
    registration = services.register(_ask("李雷", "li@example.org", locale, [booked, full],
                                          companions=["Han Meimei"]))
    ticket = registration.tickets[0]
    seat = next(seat for seat in ticket.seats if seat.slot_id == booked.id)
    services.cancel_seat(first, full.id)                                     # promotion
    editing.set_slot_cancelled(booked, True, actor=None)                     # schedule_change
    editing.set_slot_cancelled(booked, False, actor=None)                    # schedule_change (restored)
    first_round = db.session.scalars(select(ChallengeRound).order_by(ChallengeRound.starts_at)).first()
    story = make_story(first_round, status="approved", ticket_id=ticket.id,
                       title="最后一条消息" if locale == "zh" else "The Last Message")
    with unit_of_work():
        earlier = {"starts_at": booked.starts_at - timedelta(hours=1), "ends_at": booked.ends_at - timedelta(hours=1),
                   "venue": booked.venue}
        both = [held for person in registration.tickets for held in person.seats if held.slot_id == booked.id]
        notify.schedule_change(both, cancelled=False, was=earlier)           # a move
        notify.notice(registration.email, locale, name=registration.name,
                      subject={"zh": "入口改到北门", "en": "The entrance moved to the north door"},
                      body={"zh": "今天请从北门进场。\n\n谢谢！", "en": "Please come in by the north door today.\n\nThank you!"},
                      links=[{"holder": held.holder_name, "url": ticket_url(held.code)}
                             for held in registration.tickets])
        notify.story_won(story, place=1)
        notify.story_won(story, place=2)
    no_show.release_no_shows(now=booked.starts_at + timedelta(minutes=15))  # no_show_release
    lookup.send_ticket_links(registration.email, locale=locale)              # ticket_links
    services.cancel_ticket(ticket)                                           # cancellation

    assert outbox.deliver_due().failed == 0
    kinds = set(db.session.scalars(select(OutboxMail.kind).where(OutboxMail.to == registration.email)))
    assert kinds == {"confirmation", "promotion", "schedule_change", "no_show_release", "notice", "story_won",
                     "ticket_links", "cancellation"}
    mails = [received.message for received in smtp.received if received.rcpt_tos == [registration.email]]
    assert len(mails) == db.session.scalar(select(func.count()).where(OutboxMail.to == registration.email)) >= 11
    own = ("李雷", "Han Meimei", registration.email, story.author, story.title, story.logline,
           *(held.code for held in registration.tickets))
    mixed = {}
    for message in mails:
        html = visible(message.get_body(("html",)).get_content(), locale)
        assert html.html_lang == locale and html.other == [], message["Subject"]
        for part, text in (("subject", message["Subject"]), ("text", message.get_body(("plain",)).get_content()),
                           ("html", " | ".join(html.parts))):
            if found := foreign(text, locale, own=own):
                mixed[f"{message['Subject']} ({part})"] = found
    assert not mixed, "\n".join(f"{name}: {found}" for name, found in mixed.items())
