"""My Story's pure rules: lengths as a person counts them, cleaning, story checks, rounds."""
import base64
import io
import os
from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
from PIL import Image

from app.challenge import rules
from app.clock import at_local
from tests.builders import data_url, png

DAY = date(2026, 6, 14)


def at(hh: int, mm: int = 0) -> datetime:
    return at_local(DAY, time(hh, mm))


def story(**changes) -> dict:
    body = {"author": "Xiao Li", "title": "Tomorrow Calls", "logline": "A phone rings with tomorrow's news.",
            "beats": ["It rings.", "She answers.", "It is her own voice."], "nonce": "kiosk-1-0001",
            "locale": "en"}
    return {**body, **changes}


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: `side`² random RGB pixels."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    return buffer.getvalue()


# --- Counting and cleaning ---

@pytest.mark.parametrize("text,count", [
    ("光", 1),
    ("👩\u200d🎤", 1),              # a ZWJ sequence is one emoji
    ("e\u0301", 1),                 # e + combining acute
    ("🇨🇳", 1),                      # a flag is two code points
    ("光影", 2),
    ("hello", 5),
    ("", 0),
])
def test_length_counts_graphemes(text, count):
    assert rules.length(text) == count


@pytest.mark.parametrize("limit_field,limit", [
    ("title", rules.TITLE_MAX), ("author", rules.AUTHOR_MAX), ("logline", rules.LOGLINE_MAX)])
def test_cjk_text_at_the_limit_passes_and_one_over_fails(limit_field, limit):
    _, at_limit = rules.parse_story(story(**{limit_field: "光" * limit}), 3)
    _, over = rules.parse_story(story(**{limit_field: "光" * (limit + 1)}), 3)

    assert at_limit == {}
    assert set(over) == {limit_field}


def test_emoji_sequences_count_once_against_the_limit():
    _, fields = rules.parse_story(story(author="👩\u200d🎤" * rules.AUTHOR_MAX), 3)
    assert fields == {}


@pytest.mark.parametrize("raw,clean", [
    ("  Tomorrow   Calls \n", "Tomorrow Calls"),
    ("to\tmor\u3000row", "to mor row"),                      # tabs and ideographic spaces collapse
    ("two\nlines\r\nhere", "two lines here"),                # line breaks separate words
    ("to\u200bmorrow", "tomorrow"),                          # zero-width space
    ("\u202eevil\u202c text", "evil text"),                  # right-to-left override
    ("\u2066isolate\u2069", "isolate"),                      # bidi isolates
    ("\ufeffbom", "bom"),
    ("line\x00\x07break", "linebreak"),                      # control characters
    ("e\u0301", "\u00e9"),                                   # NFC
    ("👩\u200d🎤", "👩\u200d🎤"),                              # the joiner inside emoji stays
    ("\u200d", ""),                                         # a joiner joining nothing goes
    ("a\u200d\u200d b \u200d", "a b"),
])
def test_clean_line_strips_invisible_characters_and_collapses_spaces(raw, clean):
    assert rules.clean_line(raw) == clean


def test_invisible_characters_do_not_count_against_the_limit():
    draft, fields = rules.parse_story(story(title="\u200b" * 10 + "光" * rules.TITLE_MAX), 3)
    assert fields == {} and draft.title == "光" * rules.TITLE_MAX


# --- A story as sent ---

def test_a_good_story_is_cleaned_into_a_draft():
    frame = png()
    draft, fields = rules.parse_story(story(title="  Tomorrow\u200b Calls ", ticket_code=" ABC ",
                                            frames=[None, data_url(frame), None], locale="zh"), 3)

    assert fields == {}
    assert draft.title == "Tomorrow Calls"
    assert draft.beats == ["It rings.", "She answers.", "It is her own voice."]
    assert draft.frames == [None, (frame, 80, 45), None]
    assert (draft.locale, draft.ticket_code, draft.nonce) == ("zh", "ABC", "kiosk-1-0001")


def test_an_unknown_locale_falls_back_to_english():
    draft, _ = rules.parse_story(story(locale="fr"), 3)
    assert draft.locale == "en"


@pytest.mark.parametrize("changes,paths", [
    ({"title": ""}, {"title"}),
    ({"title": "   \u200b "}, {"title"}),                     # only invisible text is empty
    ({"author": "\u200d\u200d"}, {"author"}),                 # so are joiners joining nothing
    ({"author": None}, {"author"}),
    ({"logline": 42}, {"logline"}),
    ({"beats": "one beat"}, {"beats"}),
    ({"beats": ["One.", "Two."]}, {"beats"}),                 # the round wants 3
    ({"beats": ["One.", "Two.", "Three.", "Four."]}, {"beats"}),
    ({"beats": ["One.", "", "Three."]}, {"beats.1"}),
    ({"beats": ["One.", "Two.", "光" * (rules.BEAT_MAX + 1)]}, {"beats.2"}),
    ({"beats": ["One.", 2, "Three."]}, {"beats.1"}),
    ({"nonce": "short"}, {"nonce"}),
    ({"nonce": "n" * (rules.NONCE_MAX + 1)}, {"nonce"}),
    ({"nonce": 12345678}, {"nonce"}),
    ({"nonce": None}, {"nonce"}),
    ({"ticket_code": 7}, {"ticket_code"}),
    ({"frames": "not a list"}, {"frames"}),
    ({"frames": [None, None, None, None]}, {"frames"}),        # more drawings than beats
    ({"frames": [None, 5]}, {"frames.1"}),
    ({"title": "", "beats": ["", "Two.", ""]}, {"title", "beats.0", "beats.2"}),
])
def test_each_problem_is_reported_at_its_path(changes, paths):
    _, fields = rules.parse_story(story(**changes), 3)
    assert set(fields) == paths


def test_the_nonce_may_be_8_to_64_characters():
    assert rules.parse_story(story(nonce="n" * 8), 3)[1] == {}
    assert rules.parse_story(story(nonce="n" * rules.NONCE_MAX), 3)[1] == {}


@pytest.mark.parametrize("count,ok", [(2, False), (3, True), (6, True), (7, False)])
def test_without_an_open_round_beats_are_checked_against_the_widest_range(count, ok):
    _, fields = rules.parse_story(story(beats=[f"Beat {n}." for n in range(count)]), None)
    assert ("beats" not in fields) is ok


def test_a_round_of_five_beats_wants_exactly_five():
    five = [f"Beat {n}." for n in range(5)]
    assert rules.parse_story(story(beats=five), 5)[1] == {}
    assert set(rules.parse_story(story(beats=five[:3]), 5)[1]) == {"beats"}


# --- Drawn frames ---

@pytest.mark.parametrize("frame,reason", [
    (data_url(jpeg(), "image/jpeg"), "format"),                   # a JPEG data URL
    (data_url(jpeg()), "format"),                                  # JPEG bytes labelled PNG
    ("data:image/png;base64,@@not base64@@", "format"),
    (data_url(b"\x89PNG\r\n\x1a\n" + b"junk" * 20), "format"),     # a PNG signature, then junk
    (data_url(png()[:-20]), "format"),                             # truncated
    ("https://example.org/frame.png", "format"),
    (data_url(noise_png(400)), "size"),                            # ~480 KB
    (data_url(png(rules.FRAME_MAX_SIDE + 1, 1)), "pixels"),
    (data_url(png(1, rules.FRAME_MAX_SIDE + 1)), "pixels"),
])
def test_a_bad_frame_is_refused_with_its_reason(frame, reason):
    _, fields = rules.parse_story(story(frames=[None, frame]), 3)

    assert set(fields) == {"frames.1"}
    message = str(fields["frames.1"])
    # The limits are named in the message (in any language): bytes in KB, or pixels a side.
    assert ("256" in message) is (reason == "size")
    assert (str(rules.FRAME_MAX_SIDE) in message) is (reason == "pixels")


def test_a_frame_at_the_size_limits_is_accepted():
    side = png(rules.FRAME_MAX_SIDE, rules.FRAME_MAX_SIDE)
    assert rules.decode_frame(data_url(side))[1:] == (rules.FRAME_MAX_SIDE, rules.FRAME_MAX_SIDE)


def test_decode_frame_returns_the_bytes_sent():
    frame = png(800, 450, "white")
    assert rules.decode_frame(data_url(frame)) == (frame, 800, 450)


def test_base64_just_over_the_byte_limit_is_refused_before_decoding():
    encoded = base64.b64encode(b"\0" * (rules.FRAME_MAX_BYTES + 3)).decode()
    with pytest.raises(ValueError) as refused:
        rules.decode_frame(rules.PNG_DATA_URL + encoded)
    assert "256" in str(refused.value.args[0])


# --- Rounds and auto-approve ---

@dataclass
class Window:
    starts_at: datetime
    ends_at: datetime


@pytest.mark.parametrize("start,end,clash", [
    (at(12), at(13), None),          # back to back with the first
    (at(9), at(10), None),           # back to back before it
    (at(11), at(12, 30), 0),
    (at(10, 30), at(11), 0),         # inside
    (at(9), at(15), 0),              # around both: the first is named
    (at(13, 30), at(15), 1),
    (at(12), at(14), None),          # exactly the gap
])
def test_round_overlaps_is_half_open(start, end, clash):
    others = [Window(at(10), at(12)), Window(at(14), at(16))]
    found = rules.round_overlaps(start, end, others)
    assert found is (None if clash is None else others[clash])


@pytest.mark.parametrize("flagged,frames,needed", [
    ([], 0, False),
    (["badword"], 0, True),
    ([], 1, True),
    (["badword"], 2, True),
])
def test_needs_person(flagged, frames, needed):
    assert rules.needs_person(flagged, frames) is needed
