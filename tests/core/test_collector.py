"""The cycle collector is held for a block of large work and always given back after it."""

import gc

import pytest

from portal import collector


def test_the_collector_is_held_for_the_block_and_given_back_even_on_error():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # a block within another keeps it held to the outer end
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector.paused():
        raise ValueError("the work failed")
    assert gc.isenabled()
