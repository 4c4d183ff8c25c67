"""Batched writes store what the ORM would store, and ids drawn ahead are never ids used before."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from bureau.catalog.models import Item
from bureau.core import bulk
from bureau.delivery import outbox
from bureau.delivery.models import OutboxEvent


def test_new_ids_follow_every_id_ever_used_even_deleted_ones(make_item):
    kept = make_item(title="Kept lead")
    gone = make_item(title="Deleted lead")
    gone_pk = gone.pk
    gone.delete()
    with transaction.atomic():
        ids = bulk.new_ids(Item, 3)
    assert len(set(ids)) == 3
    assert min(ids) > max(kept.pk, gone_pk)  # never an id a deleted item had


@pytest.mark.django_db(transaction=True)
def test_new_ids_only_inside_the_inserting_transaction():
    with pytest.raises(RuntimeError, match="same transaction"):
        bulk.new_ids(Item, 1)


def test_the_outbox_rows_are_stored_as_the_orm_stores_them(make_item):
    first, second = make_item(title="First lead"), make_item(title="Second lead")
    before = OutboxEvent.objects.count()
    with transaction.atomic():
        outbox.record_published([first.pk, second.pk])
    stored = list(OutboxEvent.objects.order_by("id"))[before:]
    assert [e.item_id for e in stored] == [first.pk, second.pk]
    assert all(isinstance(e.uid, uuid.UUID) for e in stored)
    assert len({e.uid for e in stored}) == 2
    assert [e.action for e in stored] == [OutboxEvent.Action.PUBLISHED] * 2
    assert all(e.created_at is not None and e.dispatched_at is None for e in stored)


def test_rows_beyond_one_statement_are_all_written_in_order(make_item, monkeypatch):
    # SQLite writes a chunk of rows a statement: a batch that ends in a short chunk, and the
    # full chunk's statement reused, store every row once (PostgreSQL: one COPY).
    monkeypatch.setattr(bulk, "SQLITE_ROWS", 3)
    item = make_item(title="Chunked lead")
    before = OutboxEvent.objects.count()
    with transaction.atomic():
        outbox.record_published([item.pk] * 7)
        outbox.record_published([item.pk] * 3)
    stored = list(OutboxEvent.objects.order_by("id"))[before:]
    assert len(stored) == 10
    assert len({e.uid for e in stored}) == 10
    assert all(e.item_id == item.pk for e in stored)


@pytest.mark.django_db
def test_a_row_of_the_wrong_width_is_refused_before_anything_is_written():
    before = OutboxEvent.objects.count()
    table = bulk.table(OutboxEvent, outbox.COLUMNS)
    with pytest.raises(ValueError, match="has not 5 values"), transaction.atomic():
        table.insert([(uuid.uuid4(), None, "published", None, "")[:4]])
    assert OutboxEvent.objects.count() == before
