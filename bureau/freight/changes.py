"""What the freight app announces at the seam (``bureau.core.changes``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NetworkImported:
    version_id: int
    nodes: int
    legs: int


@dataclass(frozen=True)
class CarrierServicesChanged:
    organisation_id: int
