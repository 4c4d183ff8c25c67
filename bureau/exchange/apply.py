"""Apply a peer's verified events to this node's catalog, inside the caller's transaction.

Every item event carries the item's whole record and status, so applying one sets the item
to that state: applying it again changes nothing. Within a batch each item takes the state
of its last acceptable event. An event is refused, and replication goes on, when its content
is not acceptable here: an item this node or a third node owns ("not the peer's item"), a
record that fails the catalog's validation, a status that does not fit the event type.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.models.base import ModelState
from django.utils import timezone

from bureau.accounts.models import Organisation
from bureau.catalog import facets
from bureau.catalog.changes import ItemsPublished
from bureau.catalog.fields import BY_KIND, COMMON, FIELD_NAMES
from bureau.catalog.models import (
    Agreement,
    AgreementExtension,
    AgreementMilestone,
    Item,
    ItemFacet,
    ItemTransition,
    Kind,
    Status,
)
from bureau.catalog.services import DETAIL_MODELS
from bureau.catalog.validation import CleanItem, clean_item
from bureau.commitments import replication
from bureau.core import bulk, changes
from bureau.core.errors import ValidationFailed
from bureau.exchange import canonical as c
from bureau.exchange.directory import Organisations, Refused
from bureau.exchange.verify import Verified
from bureau.reference import money

NESTED = ("extensions", "milestones")
# Detail fields stored as "" rather than NULL when absent (as the catalog's services store them).
TEXT_DETAIL = {"unit", "incoterm", "origin_country", "destination_country", "stage", "instrument"}
NOT_RECORD_FIELDS = ("uid", "organisation", "status", "published_at")
_RECORD_KEYS = frozenset(FIELD_NAMES) - frozenset(NOT_RECORD_FIELDS)
_KINDS = frozenset(Kind.values)


@functools.cache
def item_keys(kind: str) -> frozenset[str]:
    """The keys every item event body of ``kind`` carries: the whole item, nothing left out."""
    own = [spec.name for spec in BY_KIND[Kind(kind)]]
    common = [spec.name for spec in COMMON if spec.name != "organisation"]
    return frozenset({*NOT_RECORD_FIELDS, *common, *own})


@dataclass
class Plan:
    """The state an item is to have after the batch."""

    uid: uuid.UUID
    clean: CleanItem
    status: str
    published_at: dt.datetime | None
    organisation: Organisation
    seq: int


@dataclass
class Outcome:
    refused: dict[int, str] = field(default_factory=dict)  # seq -> reason
    created: int = 0
    changed: int = 0


def apply_events(peer_name: str, events: list[Verified]) -> Outcome:
    """Apply ``events`` (verified, in order) from ``peer_name``; say which were refused and why."""
    outcome = Outcome()
    orgs = Organisations(peer_name, [v.body for v in events])
    existing = _existing_items(events)
    plans: dict[uuid.UUID, Plan] = {}
    commitments: list[Verified] = []
    for verified in events:
        try:
            if verified.type == c.ORGANISATION_VERIFIED:
                orgs.verify(verified.body.get("organisation"), at=_at(verified))
            elif verified.type in c.ITEM_TYPES:
                plan = _plan(verified, peer_name, existing, orgs)
                plans[plan.uid] = plan
            elif verified.type in c.COMMITMENT_TYPES:
                commitments.append(verified)
            else:
                raise Refused(f"'{verified.type}' is not an event type this node knows")
        except Refused as refusal:
            outcome.refused[verified.seq] = str(refusal)[:500]
    _write(peer_name, plans, existing, outcome)
    # After the items: a pledge may name a catalog item received in the same batch.
    for verified in commitments:
        _apply_commitment(verified, peer_name, orgs, outcome)
    return outcome


def _apply_commitment(
    verified: Verified, peer_name: str, orgs: Organisations, outcome: Outcome
) -> None:
    """Hand a commitments record to its owner app's apply service (one write path)."""
    entity = verified.type.split(".", 1)[0]
    try:
        organisation = orgs.resolve(verified.body.get("organisation"), at=_at(verified))
        record = {**verified.body, "organisation": str(organisation.uid)}
        created = replication.record_apply(
            entity=entity, record=record, organisation=organisation, peer=peer_name
        )
    except (Refused, replication.NotAccepted) as refusal:
        outcome.refused[verified.seq] = str(refusal)[:500]
        return
    if created:
        outcome.created += 1
    else:
        outcome.changed += 1


def _existing_items(events: list[Verified]) -> dict[uuid.UUID, Item]:
    uids = set()
    for verified in events:
        try:
            uids.add(uuid.UUID(str(verified.body.get("uid"))))
        except ValueError:
            continue
    present = _present(uids)
    if not present:  # a catch-up: none of the page's items is here yet
        return {}
    return {i.uid: i for i in Item.objects.filter(uid__in=present).select_related("organisation")}


def _present(uids: set[uuid.UUID]) -> list[uuid.UUID]:
    """Which of ``uids`` are items here, in one plain statement a chunk: compiling the ORM's
    ``uid IN (...)`` of a page's thousand uids cost more than running it."""
    if not uids:
        return []
    field = Item._meta.get_field("uid")
    as_stored = bulk.adapter(field, connection)  # 32 hex digits on SQLite, as the field does
    values = [as_stored(u) for u in uids] if as_stored is not None else list(uids)
    quote = connection.ops.quote_name
    table, column = quote(Item._meta.db_table), quote(str(field.column))
    found: list[uuid.UUID] = []
    step = bulk.max_parameters(connection)
    with connection.cursor() as cursor:
        for start in range(0, len(values), step):
            chunk = values[start : start + step]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", chunk)  # noqa: S608 - names from the model
            found += [uuid.UUID(str(value)) for (value,) in cursor.fetchall()]
    return found


def _at(verified: Verified) -> dt.datetime:
    try:
        return c.parse_timestamp(verified.event["at"])
    except ValueError:
        raise Refused(f"at: '{verified.event['at']}' is not an ISO 8601 time") from None


def _plan(
    verified: Verified, peer_name: str, existing: dict[uuid.UUID, Item], orgs: Organisations
) -> Plan:
    body = verified.body
    try:
        uid = uuid.UUID(str(body.get("uid")))
    except ValueError:
        raise Refused("uid: is not a UUID") from None
    found = existing.get(uid)
    if found is not None and found.origin_node != peer_name:
        owner = "this node" if found.is_local else f"node '{found.origin_node}'"
        raise Refused(f"not the peer's item: item {uid} belongs to {owner}")
    _check_complete(body)
    status = body.get("status")
    if status != c.STATUS_OF[verified.type]:
        raise Refused(f"status: '{status}' does not fit a {verified.type} event")
    clean = _clean(body)
    if found is not None and found.kind != clean.kind:
        raise Refused(f"kind: item {uid} is a {found.kind}; the kind of an item cannot change")
    at = _at(verified)
    return Plan(
        uid=uid,
        clean=clean,
        status=status,
        published_at=_published_at(body, at),
        organisation=orgs.resolve(body.get("organisation"), at=at),
        seq=verified.seq,
    )


def _check_complete(body: dict[str, Any]) -> None:
    """A missing key is refused rather than read as "empty": an update that left a field out
    would otherwise blank it here without anyone having asked for that."""
    kind = body.get("kind")
    if kind not in _KINDS:
        return  # the record check names the bad kind
    missing = sorted(item_keys(str(kind)) - set(body))
    if missing:
        raise Refused(
            f"{', '.join(missing)}: missing; an item event carries the whole item "
            '(an empty field is sent as "", null or [])'
        )


def _clean(body: dict[str, Any]) -> CleanItem:
    # Fields a newer peer has and this node does not are left out, not held against it.
    record = {k: v for k, v in body.items() if k in _RECORD_KEYS}
    try:
        clean = clean_item(record)
    except ValidationFailed as error:
        raise Refused(f"invalid item: {error.message}") from None
    clean.common.pop("organisation", None)
    return clean


def _published_at(body: dict[str, Any], at: dt.datetime) -> dt.datetime:
    text = body.get("published_at")
    if not isinstance(text, str):
        return at
    try:
        return c.parse_timestamp(text)
    except ValueError:
        raise Refused(f"published_at: '{text}' is not an ISO 8601 time") from None


def _write(
    peer_name: str, plans: dict[uuid.UUID, Plan], existing: dict[uuid.UUID, Item], outcome: Outcome
) -> None:
    now = timezone.now()
    rates = money.rates_per_usd() if plans else None
    fresh = [p for uid, p in plans.items() if uid not in existing]
    created = _create(peer_name, fresh, now, rates)
    republished = [
        existing[uid]
        for uid, plan in plans.items()
        if uid in existing and _update(existing[uid], plan, peer_name, now, rates)
    ]
    outcome.created, outcome.changed = len(fresh), len(plans) - len(fresh)
    # Newly published here: local subscribers get it through the normal delivery path.
    if created:
        changes.announce(ItemsPublished(created, created=True))
    if republished:
        changes.announce(ItemsPublished(republished))


def _values(plan: Plan, rates: dict[str, Any] | None) -> dict[str, Any]:
    """The item's own columns for the planned state, as the catalog's services compute them."""
    common, detail = plan.clean.common, plan.clean.detail
    values = dict(common)
    del values["kind"]
    values.update(
        countries=facets.all_countries(common, detail),
        hs_codes=facets.all_hs_codes(common, detail),
        sectors=facets.all_sectors(common, detail),
        value_usd=money.to_usd(common.get("value_amount"), common.get("value_currency", ""), rates),
        status=plan.status,
        published_at=plan.published_at,
    )
    return values


def _fill(item: Item, plan: Plan, rates: dict[str, Any] | None) -> None:
    for name, value in _values(plan, rates).items():
        setattr(item, name, value)
    item.organisation = plan.organisation


def _detail(item: Item, plan: Plan) -> models.Model:
    values = {
        k: ("" if v is None and k in TEXT_DETAIL else v)
        for k, v in plan.clean.detail.items()
        if k not in NESTED
    }
    return DETAIL_MODELS[plan.clean.kind](item=item, **values)


ITEM_COLUMNS = (
    "id", "uid", "kind", "status", "title", "summary", "body", "language", "countries", "hs_codes",
    "sectors", "value_amount", "value_currency", "value_usd", "valid_from", "valid_until",
    "organisation", "origin_node", "source_title", "source_url", "is_example", "created_at",
    "updated_at", "published_at",
)  # fmt: skip


def _create(
    peer_name: str, plans: list[Plan], now: dt.datetime, rates: dict[str, Any] | None
) -> list[Item]:
    """Insert new items with their details, facets and first audit entry; return those that
    are published. Plain INSERTs: this is the catch-up path."""
    if not plans:
        return []
    ids = dict(zip([p.uid for p in plans], bulk.new_ids(Item, len(plans)), strict=True))
    bulk.table(Item, ITEM_COLUMNS).insert(
        _item_row(ids[p.uid], p, peer_name, now, rates) for p in plans
    )
    for kind, model in DETAIL_MODELS.items():
        mine = [p for p in plans if p.clean.kind == kind]
        if mine:
            names = _detail_columns(model)
            rows = [(ids[p.uid], *_detail_values(p, names)) for p in mine]
            bulk.table(model, ("item", *names)).insert(rows)
    bulk.table(ItemFacet, ("item", "key")).insert(
        (ids[p.uid], key) for p in plans for key in facets.keys_for(p.clean.common, p.clean.detail)
    )
    _agreement_children_of([p for p in plans if p.clean.kind == Kind.AGREEMENT], ids)
    bulk.table(ItemTransition, ("item", "from_status", "to_status", "at", "note")).insert(
        (ids[p.uid], "", p.status, now, _note(peer_name, p)) for p in plans
    )
    return [_announced(ids[p.uid], p, peer_name) for p in plans if p.status == Status.PUBLISHED]


ANNOUNCED = ("id", "uid", "kind", "status", "organisation_id", "origin_node")


def _announced(pk: int, plan: Plan, peer_name: str) -> Item:
    """The item as the listeners of ``ItemsPublished`` are handed it, without reading back
    the rows just written: its identity, kind, status and origin are loaded, and any other
    field is read from the database if a listener asks for it (Django's deferred fields).

    Made as Django makes an unpickled instance (its fields and a ``ModelState``, without
    ``__init__``), not with ``Item.from_db``: ``__init__`` walks every field of the model for
    the six given, and cost more than the rest of the item's announcement (no init signal has
    a receiver for items)."""
    item = Item.__new__(Item)
    item.__dict__.update(
        zip(
            ANNOUNCED,
            (pk, plan.uid, plan.clean.kind, plan.status, plan.organisation.pk, peer_name),
            strict=True,
        )
    )
    state = item._state = ModelState()
    state.adding, state.db = False, DEFAULT_DB_ALIAS
    return item


_ITEM_ROW = operator.itemgetter(*ITEM_COLUMNS)


def _item_row(
    pk: int, plan: Plan, peer_name: str, now: dt.datetime, rates: dict[str, Any] | None
) -> tuple[Any, ...]:
    values = _values(plan, rates)
    values.update(
        id=pk,
        uid=plan.uid,
        kind=plan.clean.kind,
        organisation=plan.organisation.pk,
        origin_node=peer_name,
        created_at=now,
        updated_at=now,
    )
    row: tuple[Any, ...] = _ITEM_ROW(values)
    return row


@functools.cache
def _detail_columns(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(f.name for f in model._meta.concrete_fields if not f.primary_key)


def _detail_values(plan: Plan, names: tuple[str, ...]) -> list[Any]:
    detail = plan.clean.detail
    values = [detail.get(name) for name in names]
    if None in values:
        values = [
            "" if v is None and name in TEXT_DETAIL else v
            for name, v in zip(names, values, strict=True)
        ]
    return values


def _agreement_children_of(plans: list[Plan], ids: dict[uuid.UUID, int]) -> None:
    agreements = {
        a.item_id: a for a in Agreement.objects.filter(item_id__in=[ids[p.uid] for p in plans])
    }
    _agreement_children([agreements[ids[p.uid]] for p in plans], plans)


def _update(
    item: Item, plan: Plan, peer_name: str, now: dt.datetime, rates: dict[str, Any] | None
) -> bool:
    """Bring a known item of the peer to the planned state; True when it became published."""
    before = item.status
    _fill(item, plan, rates)
    item.updated_at = now
    item.save()
    model = DETAIL_MODELS[item.kind]
    model.objects.filter(item=item).delete()  # type: ignore[attr-defined]
    detail = _detail(item, plan)
    detail.save()
    _agreement_children([detail], [plan])
    ItemFacet.objects.filter(item=item).delete()
    keys = facets.keys_for(plan.clean.common, plan.clean.detail)
    ItemFacet.objects.bulk_create([ItemFacet(item=item, key=k) for k in keys])
    if before != item.status:
        _transition(item.pk, before, plan, peer_name, now).save()
    return before != Status.PUBLISHED and item.status == Status.PUBLISHED


def _agreement_children(details: list[models.Model], plans: list[Plan]) -> None:
    extensions, milestones = [], []
    for detail, plan in zip(details, plans, strict=True):
        if isinstance(detail, Agreement):
            extensions += [
                AgreementExtension(agreement=detail, **e)
                for e in plan.clean.detail.get("extensions", [])
            ]
            milestones += [
                AgreementMilestone(agreement=detail, **m)
                for m in plan.clean.detail.get("milestones", [])
            ]
    AgreementExtension.objects.bulk_create(extensions)
    AgreementMilestone.objects.bulk_create(milestones)


def _transition(
    item_id: int, before: str, plan: Plan, peer_name: str, now: dt.datetime
) -> ItemTransition:
    return ItemTransition(
        item_id=item_id,
        from_status=before,
        to_status=plan.status,
        actor=None,
        at=now,
        note=_note(peer_name, plan),
    )


def _note(peer_name: str, plan: Plan) -> str:
    return f"received from {peer_name} (event {plan.seq})"[:300]
