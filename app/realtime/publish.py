"""Every Socket.IO event Backlot sends leaves through here, after its change is committed.

Payload builders are imported inside the functions: they import the domain services,
which import this module.
"""
from __future__ import annotations

from app import clock
from app.extensions import socketio

STAFF = "/staff"
DISPLAY = "/display"
KIOSK = "/kiosk"
#: Visitors' phones on /vote (public, read-only).
VOTE = "/vote"


#: Staff who run the show (moderators, admins) on /staff: only they get the moderation queue
#: (visitors' text before anyone approved it), the live ranking and every juror's part of it.
SHOW_ROOM = "show"
SHOW_ROLES = ("moderator", "admin")
#: Jurors on /staff: told only that their round's list of stories or its reveal changed (their
#: page fetches the list again); they see their own marks and nothing of the ranking until the reveal.
JURY_ROOM = "jury"
JURY_ROLES = ("jury",)


def kiosk_room(kiosk_id: int) -> str:
    return f"kiosk:{kiosk_id}"


def schedule_changed(slot) -> None:
    """The programme changed (a session, venue or day): staff screens and displays refresh."""
    payload = {"session_id": getattr(slot, "id", None)}
    socketio.emit("schedule_changed", payload, namespace=STAFF)
    socketio.emit("schedule_changed", payload, namespace=DISPLAY)


def places_changed() -> None:
    """Registrations or cancellations moved places: staff screens refresh their counts."""
    socketio.emit("places_changed", {}, namespace=STAFF)


def seats_released(release) -> None:
    """The no-show release of one session ran (app.tickets.no_show): staff screens show its counts."""
    socketio.emit("seats_released", {"session_id": release.session_id, "released": release.released,
                                     "promoted": release.promoted, "freed": release.freed}, namespace=STAFF)


#: Topics of coalesced announcements (app.realtime.coalesce): the attendance, and each round's board.
ATTENDANCE = "attendance"
_LEADERBOARD = "leaderboard:"


def attendance_changed() -> None:
    """Someone came in or went out: staff screens refresh their attendance counts, within a
    moment, once for every scan of that moment (app.realtime.coalesce)."""
    from app.realtime.coalesce import announcer

    announcer.mark(ATTENDANCE)


def announce(topic: str) -> None:
    """The coalescer's tick: announce one topic marked since the last."""
    if topic == ATTENDANCE:
        socketio.emit("attendance_changed", {}, namespace=STAFF)
    elif topic.startswith(_LEADERBOARD):
        leaderboard_now(int(topic.removeprefix(_LEADERBOARD)))


def story_submitted(story) -> None:
    """A kiosk sent a story: moderators see it in their queue (flagged ones on top)."""
    from app.challenge.serializers import staff_story_json

    socketio.emit("story_submitted", staff_story_json(story), namespace=STAFF, to=SHOW_ROOM)


def story_moderated(story) -> None:
    """A moderator (or auto-approve) decided: every moderator's queue follows, and jurors' lists."""
    from app.challenge.serializers import staff_story_json

    socketio.emit("story_moderated", staff_story_json(story), namespace=STAFF, to=SHOW_ROOM)
    _jury_stories_changed(story.round_id)


def _jury_stories_changed(round_id: int) -> None:
    socketio.emit("jury_stories", {"round_id": round_id}, namespace=STAFF, to=JURY_ROOM)


def story_approved(story) -> None:
    """A story may be shown: displays animate it in, kiosks add it to their attract loop
    (and the kiosk that sent it tells its author)."""
    from app.challenge.serializers import story_json

    payload = story_json(story)
    for namespace in (DISPLAY, KIOSK, VOTE):
        socketio.emit("story_approved", payload, namespace=namespace)
    leaderboard_changed(story.round_id)


def story_removed(story) -> None:
    """An approved story was rejected after all: screens take it off."""
    for namespace in (DISPLAY, KIOSK, VOTE):
        socketio.emit("story_removed", {"id": story.id}, namespace=namespace)
    leaderboard_changed(story.round_id)


def round_changed() -> None:
    """Staff changed a round: kiosks, displays and staff screens take the new open and next round."""
    from app.realtime.namespaces import rounds_snapshot

    payload = rounds_snapshot(clock.now())
    for namespace in (DISPLAY, KIOSK, STAFF, VOTE):
        socketio.emit("round", payload, namespace=namespace)


def challenge_settings_changed(settings) -> None:
    socketio.emit("challenge_settings", {"auto_approve": settings.auto_approve}, namespace=STAFF)


def display_mode(display: str | None, mode: str, spotlight_story_id: int | None, *, follows_default: bool) -> None:
    """Staff switched what one display (by name) or all that follow the default show."""
    from app.realtime.namespaces import spotlight_json

    payload = {"display": display, "mode": mode, "spotlight": spotlight_json(spotlight_story_id),
               "follows_default": follows_default}
    socketio.emit("mode", payload, namespace=DISPLAY)
    socketio.emit("displays_changed", payload, namespace=STAFF)


def gates_changed() -> None:
    """Entry was paused or resumed at a gate or the whole venue: scanners (gate staff on /staff)
    show it at once, consoles list it. The payload is every pause in force, so a missed event
    is made good by the next."""
    from app.checkin.gates import pauses_json

    socketio.emit("gates_changed", pauses_json(), namespace=STAFF)


def kiosk_paused(state) -> None:
    """Staff paused or resumed one kiosk."""
    payload = {"paused": state.paused, "message": state.message}
    socketio.emit("paused", payload, namespace=KIOSK, to=kiosk_room(state.kiosk_id))
    socketio.emit("kiosks_changed", {"id": state.kiosk_id, **payload}, namespace=STAFF)


def leaderboard_changed(round_id: int) -> None:
    """A vote, a score or a moderation moved a round's ranking: announced within a moment,
    coalesced with every other change of that moment (app.realtime.coalesce)."""
    from app.realtime.coalesce import announcer

    announcer.mark(f"{_LEADERBOARD}{round_id}")


def leaderboard_now(round_id: int) -> None:
    """Announce a round's boards: the public one to displays and phones (when it is the round
    they show), the public and the live one side by side to staff."""
    from app.challenge import leaderboard, show
    from app.challenge.models import ChallengeRound
    from app.extensions import db

    challenge_round = db.session.get(ChallengeRound, round_id)
    if challenge_round is None:
        return
    now = clock.now()
    live = leaderboard.live_entries(challenge_round)
    public = leaderboard.public_board(challenge_round, now, live=live)
    shown = leaderboard.board_round(now)
    if shown is not None and shown.id == round_id:
        socketio.emit("leaderboard", public, namespace=DISPLAY)
        socketio.emit("leaderboard", public, namespace=VOTE)
    socketio.emit("leaderboard", {"round_id": round_id, "public": public,
                                  "live": leaderboard.live_board(challenge_round, now, live=live),
                                  "show": show.show_json(challenge_round, now)}, namespace=STAFF, to=SHOW_ROOM)


def show_changed(challenge_round) -> None:
    """Staff opened or closed voting, froze, revealed: every screen follows at once."""
    socketio.emit("voting", {"round_id": challenge_round.id,
                             "voting": "open" if challenge_round.voting_open_at(clock.now()) else "closed"},
                  namespace=VOTE)
    leaderboard_now(challenge_round.id)
    _jury_stories_changed(challenge_round.id)  # the reveal makes their scores final
