"""The score as a table: audience share, jury means, weights, ties and stories not yet scored."""
from datetime import datetime, timedelta, timezone

import pytest

from app.challenge.scoring import Candidate, rank

T0 = datetime(2026, 6, 14, 2, 0, tzinfo=timezone.utc)


def story(story_id: int, votes: int, *means: float, minute: int = 0) -> Candidate:
    return Candidate(story_id=story_id, created_at=T0 + timedelta(minutes=minute or story_id), votes=votes,
                     juror_means=tuple(means))


@pytest.mark.parametrize(("candidates", "weights", "expected"), [
    # audience only: the share of the top story's votes
    ([story(1, 10), story(2, 5), story(3, 0)], (100, 0), [(1, 100.0), (2, 50.0), (3, 0.0)]),
    # jury only: the mean of the jurors' means, over 10
    ([story(1, 0, 8, 6), story(2, 0, 9)], (0, 100), [(2, 90.0), (1, 70.0)]),
    # 50/50: 50 * 1 + 50 * 0.6 = 80 beats 50 * 0.5 + 50 * 0.9 = 70
    ([story(1, 4, 6), story(2, 2, 9)], (50, 50), [(1, 80.0), (2, 70.0)]),
    # 70/30 turns the same two around the other way when the jury part is heavier
    ([story(1, 4, 2), story(2, 3, 10)], (70, 30), [(2, 82.5), (1, 76.0)]),
    # no jury marks yet: shown as None, counted as 0, never a division by zero
    ([story(1, 3), story(2, 3, 5)], (50, 50), [(2, 75.0), (1, 50.0)]),
    # nobody has voted yet: the audience part is 0 for all
    ([story(1, 0), story(2, 0)], (50, 50), [(1, 0.0), (2, 0.0)]),
    # a tie on the score goes to the higher jury part ...
    ([story(1, 2, 4), story(2, 1, 9)], (50, 50), [(2, 70.0), (1, 70.0)]),
    # ... then to the earlier submission
    ([story(1, 2, 7, minute=9), story(2, 2, 7, minute=3)], (50, 50), [(2, 85.0), (1, 85.0)]),
    ([], (50, 50), []),
])
def test_rank(candidates, weights, expected):
    ranked = rank(candidates, audience_weight=weights[0], jury_weight=weights[1])
    assert [(place.story_id, place.score) for place in ranked] == \
        [(story_id, round(score, 1)) for story_id, score in expected]
    assert [place.rank for place in ranked] == list(range(1, len(ranked) + 1))


def test_a_tie_on_the_score_goes_to_the_higher_jury_part():
    ranked = rank([story(1, 2, 4), story(2, 1, 9)])  # both 70: audience 1 + jury .4, audience .5 + jury .9
    assert [place.story_id for place in ranked] == [2, 1]


def test_jury_is_the_mean_of_jurors_means_or_none():
    ranked = {place.story_id: place for place in rank([story(1, 1, 8, 7, 6), story(2, 1)])}
    assert ranked[1].jury == 7.0 and ranked[2].jury is None
    assert ranked[1].audience == ranked[2].audience == 1.0


@pytest.mark.parametrize("weights", [(-1, 50), (50, -1), (0, 0)])
def test_weights_must_be_non_negative_and_not_both_zero(weights):
    with pytest.raises(ValueError):
        rank([story(1, 1)], audience_weight=weights[0], jury_weight=weights[1])
