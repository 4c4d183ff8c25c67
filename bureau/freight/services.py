"""Writes of the freight app: importing a network, carriers declaring the legs they serve."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from bureau.accounts import permissions
from bureau.accounts.models import Organisation, User
from bureau.core import parsing
from bureau.core.changes import announce
from bureau.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from bureau.freight import network as net
from bureau.freight import selectors
from bureau.freight.changes import CarrierServicesChanged, NetworkImported
from bureau.freight.models import CarrierService, NetworkVersion


def row_errors(invalid: net.NetworkInvalid) -> ValidationFailed:
    """A network's row errors as field errors named 'legs row 12: from'."""
    return ValidationFailed(
        [
            FieldError(f"{section} row {row}: {name}", message)
            for section, row, name, message in invalid.errors
        ]
    )


def network_import(
    *, document: Any, file_name: str = "", actor: User | None = None
) -> NetworkVersion:
    """Check a whole network document and make it the one routes are planned on.

    All or nothing: a document with any bad row raises ``ValidationFailed`` naming each row,
    and nothing is stored. Importing the document that is already current stores nothing new.
    """
    try:
        parsed = net.parse(document)
    except net.NetworkInvalid as invalid:
        raise row_errors(invalid) from None
    text = json.dumps(document, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode()).hexdigest()
    current = NetworkVersion.objects.first()
    if current is not None and current.digest == digest:
        return current
    with transaction.atomic():
        version = NetworkVersion.objects.create(
            document=document,
            digest=digest,
            file_name=parsing.text(file_name, max_length=255),
            nodes=len(parsed.nodes),
            legs=len(parsed.legs),
            imported_by=actor,
        )
        announce(NetworkImported(version.pk, version.nodes, version.legs))
    return version


def _check_carrier(actor: User | None, organisation: Organisation) -> None:
    if organisation.kind != Organisation.Kind.CARRIER:
        raise ValidationFailed.single(
            "organisation", _("only organisations of kind carrier serve legs")
        )
    if not permissions.acts_for(actor, organisation):
        raise PermissionDenied(
            _("only the carrier's own people or its chamber's staff can change its legs")
        )


def carrier_service_add(*, actor: User | None, organisation: Organisation, leg_id: str = "",
                        corridor: str = "", note: str = "") -> CarrierService:  # fmt: skip
    """Declare that ``organisation`` serves one leg (by id) or every leg of a corridor."""
    _check_carrier(actor, organisation)
    errors = []
    try:
        leg_id = parsing.text(leg_id, max_length=60)
        corridor = parsing.text(corridor, max_length=60)
        note = parsing.text(note, max_length=300)
    except ValueError as bad:
        raise ValidationFailed.single("note", str(bad)) from None
    network = selectors.current_network()
    if bool(leg_id) == bool(corridor):
        errors.append(FieldError("leg", _("give either a leg or a corridor")))
    elif leg_id and network.leg(leg_id) is None:
        errors.append(
            FieldError("leg", _("'%(leg)s' is not a leg of the network") % {"leg": leg_id[:60]})
        )
    elif corridor and corridor not in network.corridors:
        errors.append(
            FieldError(
                "corridor",
                _("'%(corridor)s' is not a corridor of the network") % {"corridor": corridor[:60]},
            )
        )
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        if CarrierService.objects.filter(
            organisation=organisation, leg_id=leg_id, corridor=corridor
        ).exists():
            raise Conflict(
                _("the carrier already serves that leg")
                if leg_id
                else _("the carrier already serves that corridor")
            )
        service = CarrierService.objects.create(organisation=organisation, leg_id=leg_id,
                                                corridor=corridor, note=note, created_by=actor)  # fmt: skip
        announce(CarrierServicesChanged(organisation.pk))
    return service


def carrier_service_remove(*, actor: User | None, service: CarrierService) -> None:
    """Withdraw a declaration."""
    _check_carrier(actor, service.organisation)
    with transaction.atomic():
        service.delete()
        announce(CarrierServicesChanged(service.organisation_id))
