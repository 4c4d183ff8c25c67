"""On SQLite the threads of a process queue for the write lock (bureau/core/sqlite): a
transaction holds the process's lock until it ends, however it ends, and a thread waiting for
it begins when it is released."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.db import OperationalError, connection, transaction

from bureau.core.sqlite.base import writer_lock
from bureau.core.tests.threads import waiting_to_begin

WAIT = 30.0  # a bound on a hung run, not a timing

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the lock is SQLite's backend's"),
]


def the_lock() -> threading.Lock:
    return writer_lock(str(connection.settings_dict["NAME"]))


def in_thread(work) -> tuple[threading.Thread, list[object]]:
    """Run ``work`` in a thread of its own (its own connection); what it returns or raises
    is put in the list."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as error:
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_transaction_holds_the_lock_until_it_commits_or_rolls_back():
    with transaction.atomic():
        assert the_lock().locked()
        with transaction.atomic():  # a savepoint: the same transaction
            assert the_lock().locked()
    assert not the_lock().locked()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert the_lock().locked()
        _ = 1 / 0
    assert not the_lock().locked()


def test_a_connection_closed_in_a_transaction_gives_the_lock_back():
    def close_inside() -> bool:
        block = transaction.atomic()
        block.__enter__()
        held = the_lock().locked()
        connection.close()
        released = not the_lock().locked()
        with contextlib.suppress(Exception):  # Django may complain of the closed connection
            block.__exit__(None, None, None)
        return held and released

    thread, outcome = in_thread(close_inside)
    thread.join(WAIT)
    assert outcome == [True]


def test_a_writer_in_another_thread_begins_when_the_transaction_ends():
    with transaction.atomic():
        Group.objects.create(name="first")

        def write() -> str:
            with transaction.atomic():
                return Group.objects.create(name="second").name

        thread, outcome = in_thread(write)
        deadline = time.monotonic() + WAIT
        while not waiting_to_begin(thread):
            assert time.monotonic() < deadline, "the second writer never waited"
            time.sleep(0.01)
        assert outcome == []
    thread.join(WAIT)
    assert outcome == ["second"]
    assert set(Group.objects.values_list("name", flat=True)) == {"first", "second"}


def test_a_writer_that_waits_past_the_timeout_is_told_the_database_is_locked():
    def write_impatiently() -> object:
        connection.settings_dict = {
            **connection.settings_dict,
            "OPTIONS": {**connection.settings_dict["OPTIONS"], "timeout": 0.2},
        }
        with transaction.atomic():
            return Group.objects.create(name="late")

    with transaction.atomic():
        thread, outcome = in_thread(write_impatiently)
        thread.join(WAIT)
    assert len(outcome) == 1 and isinstance(outcome[0], OperationalError)
    assert "database is locked" in str(outcome[0])
    assert not Group.objects.filter(name="late").exists()
    assert not the_lock().locked()
