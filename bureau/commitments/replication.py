"""Apply a peer's commitments records: the owner's write path for what the exchange receives.

Each record is the whole state of one pledge, project (with its timeline), contract, cargo or
cooperation entry, so applying it sets the local copy to that state: applying the same record
again changes nothing. A record is refused (``NotAccepted``), and replication goes on, when it
fails validation, names a record this node or a third node owns, or refers to a pledge or
contract this node has not received.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from bureau.accounts.models import Organisation
from bureau.catalog.models import Item
from bureau.commitments.models import (
    Cargo,
    Cooperation,
    MoneyEvent,
    Pledge,
    Project,
    StageChange,
    SupplyContract,
)
from bureau.commitments.records import ENTITIES
from bureau.commitments.validation import STAGES, clean
from bureau.core import parsing
from bureau.core.errors import ValidationFailed

MODELS: dict[str, Any] = {"pledge": Pledge, "project": Project, "contract": SupplyContract,
                          "cargo": Cargo, "cooperation": Cooperation}  # fmt: skip
KEPT_APART = ("uid", "organisation", "pledge", "contract", "stage_changes", "money_events")


class NotAccepted(Exception):
    """A record this node does not take."""


def _uid(value: Any, field: str = "uid") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotAccepted(f"{field}: is not a UUID") from None


def _values(entity: str, record: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in record.items() if k not in KEPT_APART}
    try:
        values = clean(entity, data)
    except ValidationFailed as failed:
        raise NotAccepted(f"invalid {entity}: {failed.message}") from None
    if entity == "project":  # investor and host: this node's directory, when it has them
        for field in ("investor", "host"):
            values[field] = (
                Organisation.objects.filter(slug=values[field]).first() if values[field] else None
            )
    if entity == "pledge":
        values["item"] = Item.objects.filter(uid=values["item"]).first() if values["item"] else None
    return values


def _parent(model: Any, record: dict[str, Any], field: str, peer: str) -> Any:
    found = model.objects.filter(uid=_uid(record.get(field), field)).first()
    if found is None or found.origin_node != peer:
        raise NotAccepted(f"{field}: {record.get(field)} is not a {field} received from {peer}")
    return found


@transaction.atomic
def record_apply(
    *, entity: str, record: dict[str, Any], organisation: Organisation, peer: str
) -> bool:
    """Set the peer's record to the state it sends; True when it was new here."""
    if entity not in ENTITIES:
        raise NotAccepted(f"'{entity}' is not a commitments record")
    uid = _uid(record.get("uid"))
    model = MODELS[entity]
    found = model.objects.filter(uid=uid).first()
    if found is not None and found.origin_node != peer:
        owner = "this node" if found.is_local else f"node '{found.origin_node}'"
        raise NotAccepted(f"not the peer's {entity}: {uid} belongs to {owner}")
    values = _values(entity, record)
    if entity == "project":
        values["pledge"] = _parent(Pledge, record, "pledge", peer)
    elif entity == "cargo":
        values["contract"] = _parent(SupplyContract, record, "contract", peer)
    obj, created = model.objects.update_or_create(
        uid=uid, defaults={**values, "organisation": organisation, "origin_node": peer}
    )
    if entity == "project":
        _timeline(obj, record)
    return created


def _timeline(project: Project, record: dict[str, Any]) -> None:
    """Replace the project's stage changes and money events with the record's."""
    changes, events = record.get("stage_changes") or [], record.get("money_events") or []
    if not isinstance(changes, list) or not isinstance(events, list):
        raise NotAccepted("stage_changes and money_events must be lists")
    rows = [_stage_row(row) for row in changes]
    # A stage change already here keeps its row, so its time of arrival stays the time it was
    # first seen: the date alerts announce only changes that arrived after a rule was made.
    kept = set(
        project.stage_changes.filter(uid__in=[r["uid"] for r in rows]).values_list("uid", flat=True)
    )
    project.stage_changes.exclude(uid__in=kept).delete()
    project.money_events.all().delete()
    for row in rows:
        if row["uid"] in kept:
            StageChange.objects.filter(project=project, uid=row["uid"]).update(**row)
        else:
            StageChange.objects.create(project=project, **row)
    for row in events:
        data = {k: v for k, v in row.items() if k != "uid"}
        try:
            values = clean("money", data)
        except ValidationFailed as failed:
            raise NotAccepted(f"invalid money event: {failed.message}") from None
        MoneyEvent.objects.create(project=project, uid=_uid(row.get("uid")), **values)


def _stage_row(row: Any) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise NotAccepted("a stage change must be an object")
    to_stage, from_stage = row.get("to_stage"), row.get("from_stage") or ""
    if to_stage not in STAGES or (from_stage and from_stage not in STAGES):
        raise NotAccepted(f"stage change: '{parsing.shown(to_stage)}' is not a stage")
    try:
        changed_on = parsing.date(row.get("changed_on"))
        note = parsing.text(row.get("note"), max_length=300)
    except ValueError as bad:
        raise NotAccepted(f"stage change: {bad}") from None
    return {"uid": _uid(row.get("uid")), "from_stage": from_stage, "to_stage": to_stage,
            "changed_on": changed_on, "note": note}  # fmt: skip
