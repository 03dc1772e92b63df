"""Garbage collection that does not stall a broadcast.

A full collection of CPython's cyclic garbage collector scans every live object and holds the
process meanwhile: with a thousand websocket clients connected that is some 330,000 objects
and 150–190 ms on this machine, during which no client is sent anything. A broadcast allocates
a few objects per client (its queue entries, timers, frames) that live only until the client's
writer has sent it, but long enough to outlive the default youngest generation (700
allocations), so every broadcast promoted thousands of them to the oldest generation, and every
few broadcasts one triggered a full collection: one approval in ten or twenty then reached its
thousand clients 200 ms late (bench/fanout.py).

Here the objects alive once the application is built (modules, the app, its configuration)
are frozen out of every collection, and the youngest generation is collected every
YOUNG_THRESHOLD allocations, so a broadcast's objects mostly die young and full collections
come only as the connected clients grow in number. Cyclic garbage is still collected: at a
thousand clients a young collection took 6–13 ms, and in 30 approvals none was full.
"""
from __future__ import annotations

import gc

#: Allocations between young collections (CPython's default: 700).
YOUNG_THRESHOLD = 20_000


def keep_collections_short() -> None:
    """Call once in the server process, after the application is built."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
