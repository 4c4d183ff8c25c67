"""The exchange form of commitments records: plain JSON, references by uid, dates as ISO text.

A project's record carries its whole timeline (stage changes and money events), so applying
the latest record of a project sets it to that state whatever came before: replaying it, or
receiving it twice, changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bureau.commitments.validation import SCHEMAS

ENTITIES = ("pledge", "project", "contract", "cargo", "cooperation")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "slug"):
        return value.slug
    if hasattr(value, "uid"):
        return str(value.uid)
    return value


def _fields(entity: str, obj: Any) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in SCHEMAS[entity]}


def as_record(entity: str, obj: Any) -> dict[str, Any]:
    """``obj`` (of ``entity``) as the record a peer stores."""
    record = {
        "uid": str(obj.uid),
        "organisation": str(obj.organisation.uid),
        **_fields(entity, obj),
    }
    if entity == "project":
        record["pledge"] = str(obj.pledge.uid)
        record["stage_changes"] = [
            {"uid": str(s.uid), "from_stage": s.from_stage, "to_stage": s.to_stage,
             "changed_on": _plain(s.changed_on), "note": s.note}
            for s in obj.stage_changes.order_by("recorded_at", "id")
        ]  # fmt: skip
        record["money_events"] = [
            {"uid": str(m.uid), **_fields("money", m)} for m in obj.money_events.order_by("id")
        ]
    elif entity == "cargo":
        record["contract"] = str(obj.contract.uid)
    return record
