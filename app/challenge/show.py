"""The show, as staff run it from /staff/show: voting open and closed, the freeze, the reveal.

Every control is one conditional UPDATE of the round: it changes something only
when the round is not already so, and only then is it audit-logged and announced,
so a control tapped twice (or re-sent after a lost answer) is harmless. A reveal
step says which place it shows (`places`), so it too can be repeated safely.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from app import clock
from app.challenge import leaderboard
from app.challenge.models import ChallengeRound
from app.db import serialize_on, unit_of_work
from app.extensions import db
from app.realtime import publish
from app.staff import audit
from app.tickets import notify

#: Places whose authors are told they won, once the reveal reaches the first place.
WINNERS = 3


def _change(challenge_round: ChallengeRound, condition, values: dict, *, actor, action: str,
            summary: audit.Said, now: datetime, details: dict | None = None) -> bool:
    """Apply `values` where `condition` holds; log it when it did (the summary's %(round)s is the round's
    title). Runs inside a unit of work."""
    changed = db.session.execute(update(ChallengeRound).where(ChallengeRound.id == challenge_round.id, condition)
                                 .values(**values).execution_options(synchronize_session=False)).rowcount
    if changed:
        audit.record(actor, action, challenge_round, summary.with_values(round=challenge_round.title),
                     details=details, now=now)
    return bool(changed)


def _finish(challenge_round: ChallengeRound, changed: bool) -> ChallengeRound:
    db.session.refresh(challenge_round)
    if changed:
        publish.show_changed(challenge_round)
    return challenge_round


def open_voting(challenge_round: ChallengeRound, *, actor, now: datetime | None = None) -> ChallengeRound:
    """Open voting on the round until staff close it (also after it stops taking stories)."""
    now = now or clock.now()
    with unit_of_work():
        changed = _change(challenge_round, ChallengeRound.voting != "open",
                          {"voting": "open", "voting_closed_at": None},
                          actor=actor, action="voting.open",
                          summary=audit.said("Opened voting (\u201c%(round)s\u201d)"), now=now)
    return _finish(challenge_round, changed)


def close_voting(challenge_round: ChallengeRound, *, actor, now: datetime | None = None) -> ChallengeRound:
    now = now or clock.now()
    with unit_of_work():
        changed = _change(challenge_round, ChallengeRound.voting != "closed",
                          {"voting": "closed", "voting_closed_at": now},
                          actor=actor, action="voting.close",
                          summary=audit.said("Closed voting (\u201c%(round)s\u201d)"), now=now)
    return _finish(challenge_round, changed)


def freeze(challenge_round: ChallengeRound, *, actor, now: datetime | None = None) -> ChallengeRound:
    """Hold the public board as it is now; votes still count, staff still see the live ranking."""
    now = now or clock.now()
    with unit_of_work():
        serialize_on(f"show:{challenge_round.id}")
        db.session.refresh(challenge_round)
        board = leaderboard.live_entries(challenge_round)
        changed = _change(challenge_round, ChallengeRound.frozen_board.is_(None), {"frozen_board": board},
                          actor=actor, action="leaderboard.freeze",
                          summary=audit.said("Froze the public leaderboard (\u201c%(round)s\u201d)"), now=now)
    return _finish(challenge_round, changed)


def unfreeze(challenge_round: ChallengeRound, *, actor, now: datetime | None = None) -> ChallengeRound:
    now = now or clock.now()
    with unit_of_work():
        changed = _change(challenge_round, ChallengeRound.frozen_board.is_not(None), {"frozen_board": None},
                          actor=actor, action="leaderboard.unfreeze",
                          summary=audit.said("Unfroze the public leaderboard (\u201c%(round)s\u201d)"),
                          now=now)
    return _finish(challenge_round, changed)


def reveal(challenge_round: ChallengeRound, *, actor, places: int | None = None,
           now: datetime | None = None) -> ChallengeRound:
    """Show one more place, from the last up to the winner (`places`: show that many, if fewer are shown).

    The first step fixes the ranking the reveal walks up: the frozen board if there is one,
    else the live ranking of that moment. When the winner is shown, the top three authors
    who left a ticket at the kiosk are mailed (once per round).
    """
    now = now or clock.now()
    with unit_of_work():
        serialize_on(f"show:{challenge_round.id}")
        db.session.refresh(challenge_round)
        ranking = challenge_round.reveal_board
        if ranking is None:
            ranking = challenge_round.frozen_board or leaderboard.live_entries(challenge_round)
        shown = challenge_round.revealed or 0
        target = min(shown + 1 if places is None else places, len(ranking))
        changed = False
        if challenge_round.revealed is None or target > shown:
            changed = _change(challenge_round, ChallengeRound.id == challenge_round.id,
                              {"reveal_board": ranking, "revealed": target},
                              actor=actor, action="leaderboard.reveal",
                              summary=audit.said("Revealed place %(place)d of %(places)d (\u201c%(round)s\u201d)",
                                                 place=len(ranking) - target + 1, places=len(ranking))
                              if ranking else audit.said("Began the reveal (no stories) (\u201c%(round)s\u201d)"),
                              details={"revealed": target, "places": len(ranking)}, now=now)
        if ranking and target == len(ranking) and challenge_round.winners_told_at is None:
            _tell_winners(challenge_round, ranking, now)
    return _finish(challenge_round, changed)


def _tell_winners(challenge_round: ChallengeRound, ranking: list[dict], now: datetime) -> None:
    from app.challenge.models import Story

    for entry in sorted(ranking, key=lambda item: item["rank"])[:WINNERS]:
        story = db.session.get(Story, entry["story_id"])
        if story is not None and story.ticket_id is not None:
            notify.story_won(story, place=entry["rank"])
    db.session.execute(update(ChallengeRound).where(ChallengeRound.id == challenge_round.id)
                       .values(winners_told_at=now).execution_options(synchronize_session=False))


def reset_reveal(challenge_round: ChallengeRound, *, actor, now: datetime | None = None) -> ChallengeRound:
    """Undo the reveal: displays go back to the board, scores can change again."""
    now = now or clock.now()
    with unit_of_work():
        changed = _change(challenge_round, ChallengeRound.revealed.is_not(None),
                          {"revealed": None, "reveal_board": None},
                          actor=actor, action="leaderboard.reveal_reset",
                          summary=audit.said("Reset the reveal (\u201c%(round)s\u201d)"), now=now)
    return _finish(challenge_round, changed)


def show_json(challenge_round: ChallengeRound, now: datetime | None = None) -> dict:
    """The show's state as the staff page shows it."""
    now = now or clock.now()
    return {"round_id": challenge_round.id, "title": challenge_round.title,
            "status": challenge_round.status_at(now),
            "voting": "open" if challenge_round.voting_open_at(now) else "closed",
            "voting_set_by": "staff" if challenge_round.voting != "auto" else "round",
            "frozen": challenge_round.frozen_board is not None,
            "revealed": challenge_round.revealed,
            "places": len(challenge_round.reveal_board) if challenge_round.reveal_board is not None else None,
            "votes_per_ticket": challenge_round.votes_per_ticket, "weights": challenge_round.weights,
            "winners_told": challenge_round.winners_told_at is not None}
