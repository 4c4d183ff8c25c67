"""This node's event log: every change to information it owns, signed, chained, in order.

The catalog and the directory call the ``record_*`` functions inside the transaction that
makes the change, so an event exists exactly when its change does. Appending locks the
node's ``LogHead`` row, so sequence numbers follow each other with no gap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bureau.accounts.models import Organisation
from bureau.catalog.models import Item, Status
from bureau.catalog.selectors import item_as_record
from bureau.exchange import canonical as c
from bureau.exchange import keys, wake
from bureau.exchange.identity import node_key
from bureau.exchange.models import LogEvent, LogHead


@dataclass(frozen=True)
class Entry:
    type: str
    body: dict[str, Any]
    item_uid: Any = None
    organisation_uid: Any = None


def record_published(items: Iterable[Item]) -> None:
    """Log ``item.published`` for each of this node's newly published items."""
    append([_item_entry(c.ITEM_PUBLISHED, item) for item in items if item.is_local])


def record_status_change(item: Item, *, from_status: str) -> None:
    """Log a moderation step that peers must know: published, withdrawn (once public), expired."""
    if not item.is_local:
        return
    if item.status == Status.PUBLISHED:
        append([_item_entry(c.ITEM_PUBLISHED, item)])
    elif item.status == Status.WITHDRAWN and from_status == Status.PUBLISHED:
        append([_item_entry(c.ITEM_WITHDRAWN, item)])
    elif item.status == Status.EXPIRED:
        append([_item_entry(c.ITEM_EXPIRED, item)])


def record_updated(item: Item) -> None:
    """Log ``item.updated`` when a published item of this node changed."""
    if item.is_local and item.status == Status.PUBLISHED:
        append([_item_entry(c.ITEM_UPDATED, item)])


def record_verified(organisation: Organisation) -> None:
    """Log ``organisation.verified`` (set or cleared) for an organisation entered on this node."""
    if organisation.origin_node:
        return
    body = {"organisation": organisation_body(organisation)}
    append([Entry(c.ORGANISATION_VERIFIED, body, organisation_uid=organisation.uid)])


def record_commitment(entity: str, record: dict[str, Any]) -> None:
    """Log ``<entity>.recorded`` with the record's whole state and its organisation."""
    organisation = Organisation.objects.get(uid=record["organisation"])
    if organisation.origin_node:
        return  # a peer's record is never logged again here
    body: dict[str, Any] = c.jsonable({**record, "organisation": organisation_body(organisation)})
    append([Entry(f"{entity}.recorded", body, organisation_uid=organisation.uid)])


def item_body(item: Item) -> dict[str, Any]:
    """The item record (documented field set), its status and publication time, its organisation."""
    record = item_as_record(item)
    record.pop("id", None)
    record.pop("organisation", None)
    body: dict[str, Any] = c.jsonable(record)
    body["status"] = item.status
    body["published_at"] = c.jsonable(item.published_at)
    body["organisation"] = organisation_body(item.organisation)
    return body


def organisation_body(organisation: Organisation) -> dict[str, Any]:
    return {
        "uid": str(organisation.uid),
        "slug": organisation.slug,
        "name": organisation.name,
        "kind": organisation.kind,
        "country": organisation.country,
        "city": organisation.city,
        "verified": organisation.is_verified,
    }


def _item_entry(event_type: str, item: Item) -> Entry:
    return Entry(
        event_type, item_body(item), item_uid=item.uid, organisation_uid=item.organisation.uid
    )


def append(entries: list[Entry]) -> list[LogEvent]:
    """Sign and store ``entries`` as the next events of this node's log (in the caller's transaction)."""
    if not entries:
        return []
    key, node = node_key(), settings.BUREAU_NODE_NAME
    with transaction.atomic():
        head = _locked_head(node)
        now = timezone.now()
        at = c.timestamp(now)
        rows = []
        for entry in entries:
            event: dict[str, Any] = {
                "node": node,
                "seq": head.last_seq + 1,
                "prev": head.last_hash,
                "type": entry.type,
                "at": at,
                "body": entry.body,
            }
            event["sig"] = keys.sign(key, c.canonical(event))
            data = c.canonical(event)
            head.last_seq, head.last_hash = event["seq"], hashlib.sha256(data).hexdigest()
            rows.append(_row(node, event, head.last_hash, data, entry, now))
        LogEvent.objects.bulk_create(rows, batch_size=1000)
        head.last_at = now
        head.save(update_fields=["last_seq", "last_hash", "last_at"])
        transaction.on_commit(wake.PUSH.set)
    return rows


def _row(
    node: str, event: dict[str, Any], digest: str, data: bytes, entry: Entry, now: Any
) -> LogEvent:
    return LogEvent(
        node=node,
        seq=event["seq"],
        type=entry.type,
        item_uid=entry.item_uid,
        organisation_uid=entry.organisation_uid,
        at=now,
        hash=digest,
        data=data.decode("utf-8"),
    )


def _locked_head(node: str) -> LogHead:
    """The node's head row, locked until the transaction ends (created on the first append)."""
    head = LogHead.objects.select_for_update().filter(node=node).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            LogHead.objects.create(node=node)
    except IntegrityError:
        pass  # another transaction created it first; take its row below
    return LogHead.objects.select_for_update().get(node=node)


def head() -> LogHead:
    """This node's log head (an empty one before the first event)."""
    node = settings.BUREAU_NODE_NAME
    return LogHead.objects.filter(node=node).first() or LogHead(node=node)


def page_after(after: int, limit: int) -> tuple[list[str], LogHead]:
    """Up to ``limit`` stored events after sequence number ``after``, as their canonical JSON."""
    rows = list(
        LogEvent.objects.filter(node=settings.BUREAU_NODE_NAME, seq__gt=after)
        .order_by("seq")
        .values_list("data", flat=True)[:limit]
    )
    # Read after the events (and outside a transaction, which on SQLite would take the write
    # lock): the head is then never behind the last event returned.
    return rows, head()
