"""Python's cycle collector held while a large piece of work builds objects that form no cycle.

A large answer of the report builder (tens of thousands of rows, keys and cells) or an IATI
batch (ten thousand activities: some 800,000 objects) lives until the work ends and forms no
cycle: reference counting frees it. Yet every few hundred new objects start a collection, and
now and then one of the oldest generation that walks the whole heap: some 60 ms of a large
question, some 2 s of the 20 of a batch of ten thousand activities. What a block leaves as
garbage in cycles is collected after it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Hold the cycle collector for the block (left as it is when already held, by an
    enclosing block or another thread)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
