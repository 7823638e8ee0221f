"""The results writer makes the next table in a second thread while it writes the last one
(``jixiao.batch.output.ahead``): same tables in the same order, the maker's exception raised in the
writer's thread with its own type and message, and a writer that stops early stops the maker."""

from __future__ import annotations

import threading
import time

import pytest

from jixiao.batch.output import ahead
from jixiao.errors import DataError


def test_items_come_in_order_and_all_of_them():
    assert list(ahead(iter(range(1000)), depth=2)) == list(range(1000))
    assert list(ahead(iter([]))) == []


def test_they_are_made_in_another_thread_ahead_of_the_consumer():
    made: list[str] = []

    def items():
        for k in range(3):
            made.append(threading.current_thread().name)
            yield k

    got = ahead(items(), depth=2)
    assert next(got) == 0
    deadline = time.monotonic() + 5
    while len(made) < 3 and time.monotonic() < deadline:  # made while the consumer holds item 0
        time.sleep(0.01)
    assert made == ["jixiao-write-ahead"] * 3
    assert list(got) == [1, 2]


def test_an_error_making_a_table_is_raised_in_the_consumer_as_it_was():
    def items():
        yield 1
        raise DataError("expected a number, got 'x'", file="p.csv", path="row 7")

    got = ahead(items())
    assert next(got) == 1
    with pytest.raises(DataError, match="expected a number") as info:
        next(got)
    assert info.value.file == "p.csv"


def test_a_consumer_that_stops_early_stops_the_maker():
    closed = threading.Event()
    made = []

    def items():
        try:
            for k in range(10**9):
                made.append(k)
                yield k
        finally:
            closed.set()

    got = ahead(items(), depth=2)
    for k in got:
        if k == 5:
            break
    got.close()
    assert closed.is_set()
    n = len(made)
    time.sleep(0.05)
    assert len(made) == n <= 5 + 1 + 2 + 1  # at most the queue's depth ahead, and nothing after the stop
