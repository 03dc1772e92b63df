"""The server's garbage-collector setting (app/realtime/collector.py)."""
import gc

import pytest

from app.realtime.collector import YOUNG_THRESHOLD, keep_collections_short


@pytest.fixture
def restored_collector():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_start_up_objects_are_frozen_and_young_collections_are_rarer(restored_collector):
    _young, middle, old = gc.get_threshold()
    keep_collections_short()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_THRESHOLD, middle, old)


def test_cyclic_garbage_made_after_is_still_collected(restored_collector):
    keep_collections_short()

    class Node:
        pass

    node = Node()
    node.self = node
    del node
    assert gc.collect() > 0
