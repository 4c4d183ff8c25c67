"""Liveness and readiness: is the process up, and can it do its work right now?"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from bureau.operations import loops
from bureau.operations.backup import database


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)  # name -> "ok" or the problem

    @property
    def ready(self) -> bool:
        return all(v == "ok" for v in self.checks.values())


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return f"unreachable: {error}".strip()
    return "ok"


def _migrations() -> str:
    missing = database.unapplied_migrations()
    if missing:
        return f"{len(missing)} migrations not applied (first: {missing[0]}): run `bureau migrate`"
    return "ok"


def _loops(now: dt.datetime) -> dict[str, str]:
    limit = settings.BUREAU_READY_LOOP_SECONDS
    out = {}
    for name, at in sorted(loops.last_rounds().items()):
        if at is None:
            out[f"loop {name}"] = "no round finished yet"
        elif (age := (now - at).total_seconds()) > limit:
            out[f"loop {name}"] = f"last round finished {age:.0f} s ago (limit {limit:.0f} s)"
        else:
            out[f"loop {name}"] = "ok"
    return out


def readiness() -> Readiness:
    """The database answers, every migration is applied, every loop finished a round lately."""
    result = Readiness()
    result.checks["database"] = _database()
    if result.checks["database"] == "ok":
        result.checks["migrations"] = _migrations()
    result.checks.update(_loops(timezone.now()))
    return result
