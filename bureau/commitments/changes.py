"""What the commitments app announces at the seam (``bureau.core.changes``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CommitmentChanged:
    """A local record was created or changed: ``entity`` names its table, ``record`` is its
    full exchange form (what a peer needs to hold the same record)."""

    entity: str
    record: dict[str, Any]


@dataclass(frozen=True)
class ProjectStageChanged:
    project_id: int
    change_id: int
