"""The My Story abuse screen: what it flags, what it lets through, and how fast."""
import re

import pytest

from app.challenge import screening
from app.challenge.screening import screen

CLEAN_STORIES = [
    # English film stories with words that contain or resemble listed terms.
    "Kill the lights. The director shoots the final scene on a rooftop in Shanghai at dawn.",
    "A retired projectionist from Scunthorpe rebuilds a cinema in Essex and Sussex.",
    "The assassin takes a class on therapy; the therapist grasses on him in the cocktail bar.",
    "A blue tit lands on the rifle butt; she graduates summa cum laude and joins the escort.",
    "He buttons his coat and reads Dickens to a pussycat called Analysis.",
    "A girl on a bicycle races the bus through Mong Kok, past the dyke and the skeet range.",
    "Chapter XX: a palace eunuch plots world domination; snatch the scroll before midnight!",
    "The agent 007 counts to 10, 3, 1 and hits the button; the camera crew is tied up.",
    "Hello! I am Anna, a b c d, U.S.A. and the letters a, s and s.",
    # Chinese film stories with characters that appear inside listed terms.
    "上海的老电影院里，一台放映机器人每晚都做同一个梦：它想拍完自己的处女作。",
    "奶奶给我倒了一杯牛奶，她的性格很温柔，可能性很大，逼近午夜时她讲了个故事。",
    "他妈妈的手很巧，姑娘的裙子是红的，明日你会看到今日批准的剧本。",
    "十字路口交警挥手，理性交流之后，公鸡鸡冠在窗外阴天里发亮，海浪叫声不断。",
    "他靠背坐着，依靠北斗找路，翻开手册那一页，一只乌龟头也不回地爬走了。",
    "体操比赛下午三点开始，飞机八点起飞，他打了几巴掌，吃鸡吧。",
    "《白痴》是一部老电影；笨蛋和瓜娃子都在激情地讨论成人礼和祖宗的老房子。",
    # Mixed.
    "Lightcone 光锥：a robot 机器人 dreams of 梦 and the sea 海。",
]


@pytest.mark.parametrize("story", CLEAN_STORIES)
def test_clean_stories_are_not_flagged(story):
    assert screen(story) == []


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("What the fuck is this movie", ["fuck"]),
        ("You are a BITCH.", ["bitch"]),
        ("shit, shit and more shit", ["shit"]),
        ("fucking asses", ["fucking", "ass"]),
        ("He wants a blowjob", ["blowjob"]),
        ("a real motherfucker", ["motherfucker"]),
        ("kill yourself", ["kill yourself"]),
        ("go kill yourself, retard", ["kill yourself", "retard"]),
        ("🖕", ["🖕"]),
        ("你这个傻逼", ["傻逼"]),
        ("操你妈", ["操你妈"]),
        ("去死吧你", ["去死吧"]),
        ("他妈的王八蛋", ["他妈的", "王八蛋"]),
        ("婊子养的", ["婊子养的"]),
    ],
)
def test_abuse_is_flagged(text, flagged):
    assert screen(text) == flagged


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("f.u.c.k you", ["fuck"]),
        ("f u c k you", ["fuck"]),
        ("F-U-C-K", ["fuck"]),
        ("fuuuuck", ["fuck"]),
        ("FUCK", ["fuck"]),
        ("ｆｕｃｋ", ["fuck"]),  # full-width
        ("sh1t", ["shit"]),
        ("$h1t", ["shit"]),
        ("@$$hole", ["asshole"]),
        ("b1tch", ["bitch"]),
        ("blow-job", ["blow job"]),
        ("k i l l yourself", ["kill yourself"]),
        ("傻 逼", ["傻逼"]),
        ("傻*逼", ["傻逼"]),
        ("傻。逼", ["傻逼"]),
        ("操 你 妈", ["操你妈"]),
        ("操-你-妈", ["操你妈"]),
    ],
)
def test_obfuscations_are_caught(text, flagged):
    assert screen(text) == flagged


def test_mixed_languages_in_the_order_found_without_repeats():
    assert screen("我说fuck你，傻逼！FUCK", "shit 傻 逼") == ["fuck", "傻逼", "shit"]


def test_terms_are_reported_as_listed():
    assert screen("2g1c") == ["2g1c"]  # not its leetspeak form
    assert screen("他妈ㄉ王八蛋") == ["他妈ㄉ王八蛋"]


def test_english_words_do_not_match_inside_chinese_or_other_words():
    assert screen("shitake cocktail Scunthorpe") == []
    assert screen("他说shit") == ["shit"]


def test_the_allow_list_only_names_listed_terms():
    listed = {term for name in ("en.txt", "zh.txt") for term in screening._read(name)}
    assert set(screening._read(screening.ALLOWLIST)) <= listed


def test_the_allow_list_is_applied():
    for term in ("性", "妈的", "处女", "butt", "cum", "escort"):
        assert screen(term) == [], term


def test_every_listed_term_is_flagged_on_its_own():
    def squeezed(term):  # spellings the screen does not tell apart: "jigaboo" and "jiggaboo"
        return re.sub(r"(.)\1+", r"\1", re.sub(r"[\W_]+", "", term))

    allowed = set(screening._read(screening.ALLOWLIST))
    for name in screening.BLOCKLISTS:
        for term in screening._read(name):
            if term not in allowed:
                assert [squeezed(found) for found in screen(term)] == [squeezed(term)], (name, term)


def test_long_clean_stories_in_zh_en_and_both_pass():
    en = "In Shanghai, a robot projectionist dreams of the sea; she shoots the last reel and kills the lights. "
    zh = "上海的老电影院里，一台放映机器人每晚都做同一个梦，她想在影城落幕之前拍完自己的第一部电影。"
    for story in ((en * 10)[:1000], (zh * 25)[:1000], (en * 5)[:500] + (zh * 12)[:500]):
        assert screen(story) == []
