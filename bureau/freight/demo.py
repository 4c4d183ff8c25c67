"""The freight part of the demo: a carrier that has driven the corridor, and what it serves.

Only cited facts: the National Logistics Cell ran the first TIR road pilots from Pakistan to
Istanbul and to Baku through Iran in 2021 (The News and Daily Times, the sources S12 and S13
of the shipped network). Nothing marks it verified, since no chamber staff checked it. The
network itself needs no demo step: the shipped file is the network until one is imported.
"""

from __future__ import annotations

import uuid

from django.db import transaction

from bureau.accounts.models import Organisation
from bureau.accounts.services import organisation_create
from bureau.freight.models import CarrierService

NLC_UID = uuid.UUID("5b0f8a63-3c1e-4d0a-9a43-0f6c7e5d2a11")
NLC_SOURCE = "The News, 2021: NLC completes TIR round trip to Turkey, Azerbaijan"
NLC_URL = (
    "https://www.thenews.com.pk/print/903200-nlc-completes-tir-round-trip-to-turkey-azerbaijan"
)
NLC = {
    "name": "National Logistics Cell (NLC)",
    "kind": "carrier",
    "country": "PK",
    "description": (
        "Pakistani logistics organisation whose trucks ran the first TIR road pilots through "
        "Iran in 2021: Karachi to Istanbul via Taftan and Tehran, and on to Baku, entering "
        "Azerbaijan at Astara."
    ),
    "sectors": ["transport"],
    "source_title": NLC_SOURCE,
    "source_url": NLC_URL,
    "slug": "national-logistics-cell",
}
SERVES = [("", "TIR road", "Ran the 2021 TIR pilots to Istanbul and Baku (S12, S13).")]


def load_demo(node: str) -> str:
    """Add the demo carrier and its corridor if missing (on every node: carriers are local)."""
    with transaction.atomic():
        carrier = Organisation.objects.filter(uid=NLC_UID).first()
        created = carrier is None
        if carrier is None:
            carrier = organisation_create(actor=None, data=dict(NLC))
            Organisation.objects.filter(pk=carrier.pk).update(uid=NLC_UID)
        for leg_id, corridor, note in SERVES:
            CarrierService.objects.get_or_create(
                organisation=carrier, leg_id=leg_id, corridor=corridor, defaults={"note": note}
            )
    state = "added" if created else "already there"
    return f"carrier {carrier.name} ({state}), serving the {SERVES[0][1]} corridor on node {node}"
