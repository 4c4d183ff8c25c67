"""What the directory announces at the seam (``bureau.core.changes``)."""

from __future__ import annotations

from dataclasses import dataclass

from bureau.accounts.models import Organisation


@dataclass(frozen=True)
class OrganisationVerified:
    """An organisation's verified mark was set or cleared."""

    organisation: Organisation
