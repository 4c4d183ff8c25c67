"""Time-ordered uids: version 7, the time of their making first, distinct, sortable by time."""

from __future__ import annotations

import time
import uuid

from django.db import connection

from bureau.core import uids


def _millis(uid: uuid.UUID) -> int:
    return int.from_bytes(uid.bytes[:6], "big")


def test_a_batch_is_version_7_with_its_time_and_distinct_random_bits():
    before = time.time_ns() // 1_000_000
    batch = uids.new(5000)
    after = time.time_ns() // 1_000_000
    assert len(set(batch)) == 5000
    for uid in batch:
        assert uid.version == 7 and uid.variant == uuid.RFC_4122
        assert before <= _millis(uid) <= after
    # 74 random bits a uid: the bits after the time differ between any two of the batch.
    assert len({uid.bytes[6:] for uid in batch}) == 5000


def test_a_later_batch_sorts_after_an_earlier_one():
    first = uids.new(100)
    while time.time_ns() // 1_000_000 <= _millis(max(first)):
        pass  # into the next millisecond (under one), which is all the ordering promises
    second = [uids.uuid7() for _ in range(100)]
    assert max(first) < min(second)


def test_for_database_is_what_the_column_stores_without_conversion(db):
    values = uids.for_database(3, connection)
    if connection.features.has_native_uuid_field:
        assert all(isinstance(v, uuid.UUID) and v.version == 7 for v in values)
    else:  # SQLite stores a uuid as 32 hex digits
        assert all(isinstance(v, str) and uuid.UUID(hex=v).version == 7 for v in values)
