"""The commitments part of the demo: only what the press report on the visit of Pakistan's
Prime Minister to Baku (25 February 2025) says, with that report as the source.

The report gives the pledge's amount (US$2 billion), who pledged (Azerbaijan), to whom
(Pakistan) and its sectors (energy and infrastructure), but no date of the announcement, no
project, investor, amount committed or disbursed: those stay unknown (the pledge has no
projects). It names the supply contracts for petroleum products and LNG cargoes but no
volume, period, price or cargo: those stay empty. The cooperation register holds the joint
undertakings the report names, each at the status the report gives it.

Each record is held by the chamber the demo's items give it to (``content.NODE_CHAMBERS``)
and reaches the other node through the exchange log.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from bureau.accounts.models import Organisation
from bureau.catalog.models import Item
from bureau.commitments.models import Cooperation, Pledge, SupplyContract
from bureau.commitments.services import _announce
from bureau.demo import content

SOURCE = content.VISIT_REPORT
AZ, PK = content.AZ_CHAMBER, content.PK_CHAMBER
PARTIES = [
    "SOCAR (State Oil Company of the Azerbaijan Republic)",
    "Pakistani counterparts (not named in the source)",
]

PLEDGES = [
    {"uid": "8d0c1f4e-2b71-4f5e-9a7c-3c0d6a1e5b21", "chamber": AZ,
     "title": "Azerbaijan's US$2 billion investment plan for Pakistan",
     "pledged_by": "Azerbaijan", "pledged_to": "Pakistan", "amount": "2000000000", "currency": "USD",
     "sectors": ["energy", "infrastructure"], "item": "b23a9d8e-81ad-4c0d-bb10-a9705911fd64"},
]  # fmt: skip
CONTRACTS = [
    {"uid": "c5e2a0b4-6f1d-4c3a-8e27-91b4d2f0a611", "chamber": AZ, "agreement": "0a7a5e16-9c8a-4a17-be42-67ad173d5c62",
     "title": "SOCAR supply of petroleum products to Pakistan", "product": "petroleum",
     "product_name": "Petroleum products (not specified in the source)", "hs_code": "2710",
     "seller": PARTIES[0], "buyer": PARTIES[1]},
    {"uid": "2f9b7d13-8a4c-4e6b-b5d0-7c1e3a9f4d82", "chamber": AZ, "agreement": "7275a7e6-4706-434d-be65-468a79bb3248",
     "title": "SOCAR sale and purchase of LNG cargoes with Pakistan", "product": "lng",
     "product_name": "Liquefied natural gas", "hs_code": "271111",
     "seller": PARTIES[0], "buyer": PARTIES[1]},
]  # fmt: skip
COOPERATION = [
    {"uid": "6a3e9c27-1d4b-4f80-a2c5-e8b7d0f1c394", "chamber": AZ, "area": "energy", "status": "agreed",
     "title": "LNG framework agreement extended by two years", "parties": PARTIES,
     "description": "Extended during the visit; the date and the new expiry were not reported."},
    {"uid": "b7d14e58-3c2a-4e91-8f06-5a9c2b7e1d43", "chamber": AZ, "area": "trading", "status": "agreed",
     "title": "A trading company for LNG transactions", "parties": PARTIES,
     "description": "To be established to facilitate LNG transactions; name, owners and start date not reported."},
    {"uid": "d2c85f91-7e3b-4a6d-9c14-0b8e6f2a5c77", "chamber": PK, "area": "defence", "status": "proposed",
     "title": "Joint defence production", "parties": ["Azerbaijan", "Pakistan"],
     "description": "Both sides agreed to expand defence cooperation, including the prospect of joint production."},
    {"uid": "4e1a7b36-9d5c-4f2e-8b90-c6d3a1e7f258", "chamber": AZ, "area": "transport", "status": "proposed",
     "title": "Contacts between ports, railways and transport companies", "parties": ["Azerbaijan", "Pakistan"],
     "description": "Azerbaijan's transport team was instructed to establish contacts with Pakistan's ports, railway officials and transport companies."},
    {"uid": "f08c3d6e-5b2a-4d71-a9e4-1c7b8d0e2f65", "chamber": AZ, "area": "chambers", "status": "established",
     "title": "Azerbaijan Chamber of Commerce in Islamabad", "parties": ["Azerbaijan"],
     "description": "Established by Azerbaijan to facilitate trade."},
    {"uid": "93a5e2c7-0f4d-4b18-8e6a-2d9c7b1f0a34", "chamber": PK, "area": "chambers", "status": "proposed",
     "title": "Pakistan Chamber of Commerce in Baku", "parties": ["Pakistan"],
     "description": "Proposed by Prime Minister Sharif as the counterpart of the chamber in Islamabad."},
    {"uid": "1b6f4a92-8c3e-4d05-b7a1-e4f2c9d8a063", "chamber": PK, "area": "bureau", "status": "proposed",
     "title": "A permanent Information Bureau for trade and investment", "parties": ["Pakistan", "Azerbaijan"],
     "description": "Plans announced by Prime Minister Sharif to streamline trade and investment efforts."},
]  # fmt: skip


def _held(node: str, chamber: str) -> bool:
    mine = content.NODE_CHAMBERS.get(node)
    return mine is None or mine == chamber


def _ensure(model: Any, entity: str, record: dict[str, Any], node: str) -> bool:
    if not _held(node, record["chamber"]) or model.objects.filter(uid=record["uid"]).exists():
        return False
    organisation = Organisation.objects.filter(slug=record["chamber"]).first()
    if organisation is None:
        return False
    fields = {k: v for k, v in record.items() if k not in ("chamber", "agreement", "item")}
    for link in ("agreement", "item"):
        if link in record:  # the catalog item, when this node holds it
            fields[link] = Item.objects.filter(uid=record[link]).first()
    obj = model.objects.create(
        organisation=organisation,
        source_title=SOURCE,
        **{**fields, "uid": uuid.UUID(record["uid"])},
    )
    _announce(entity, obj)
    return True


def load_demo(node: str) -> str:
    """Add the pledge, the supply contracts and the cooperation register the report names."""
    with transaction.atomic():
        added = sum(_ensure(Pledge, "pledge", r, node) for r in PLEDGES)
        added += sum(_ensure(SupplyContract, "contract", r, node) for r in CONTRACTS)
        added += sum(_ensure(Cooperation, "cooperation", r, node) for r in COOPERATION)
    return f"{added} commitments added on node {node} (the pledge, supply contracts, cooperation register)"
