"""Writes to the catalog: create, update and move items through moderation.

Every change of status is recorded in the audit trail in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.accounts import permissions
from bureau.accounts.models import Organisation, User
from bureau.catalog import facets
from bureau.catalog.changes import ItemsPublished, ItemStatusChanged, ItemUpdated
from bureau.catalog.models import (
    Agreement,
    AgreementExtension,
    AgreementMilestone,
    InvestmentOpportunity,
    Item,
    ItemFacet,
    ItemTransition,
    Kind,
    MarketNotice,
    Status,
    Tender,
    TradeLead,
)
from bureau.catalog.selectors import item_as_record
from bureau.catalog.validation import CleanItem, clean_item
from bureau.core import changes, parsing
from bureau.core.errors import Conflict, PermissionDenied, ValidationFailed
from bureau.reference import money

DETAIL_MODELS: dict[str, type[models.Model]] = {
    Kind.LEAD: TradeLead,
    Kind.OPPORTUNITY: InvestmentOpportunity,
    Kind.TENDER: Tender,
    Kind.AGREEMENT: Agreement,
    Kind.NOTICE: MarketNotice,
}
NESTED = ("extensions", "milestones")
MAX_NOTE = 300  # the audit trail's notes


@dataclass
class PreparedItem:
    """An item checked and built in memory, ready to be saved alone or in bulk."""

    item: Item
    detail: models.Model
    facet_keys: list[str]
    extensions: list[dict[str, Any]] = field(default_factory=list)
    milestones: list[dict[str, Any]] = field(default_factory=list)


class OrganisationResolver:
    """Finds the organisation an item is entered for, caching look-ups during an import."""

    def __init__(self) -> None:
        self._by_slug: dict[str, Organisation | None] = {}

    def resolve(self, actor: User | None, slug: str) -> Organisation:
        if slug:
            if slug not in self._by_slug:
                self._by_slug[slug] = Organisation.objects.filter(slug=slug).first()
            found = self._by_slug[slug]
            if found is None:
                raise ValidationFailed.single(
                    "organisation",
                    _("no organisation with slug '%(slug)s'") % {"slug": str(slug)[:60]},
                )
            return found
        if actor is not None and actor.organisation is not None:
            return actor.organisation
        raise ValidationFailed.single(
            "organisation", _("is required: you do not belong to an organisation")
        )


def item_prepare(
    *,
    actor: User | None,
    data: Mapping[str, Any],
    resolver: OrganisationResolver | None = None,
    rates: dict[str, Any] | None = None,
) -> PreparedItem:
    """Validate ``data`` and build the item and its detail without saving. ``actor`` None is the system."""
    clean = clean_item(data, entered=True)
    organisation = (resolver or OrganisationResolver()).resolve(
        actor, clean.common.pop("organisation")
    )
    if actor is not None and not permissions.acts_for(actor, organisation):
        raise PermissionDenied(
            _("you cannot enter information for %(organisation)s")
            % {"organisation": organisation.name}
        )
    if reason := _received_organisation(organisation):
        raise ValidationFailed.single("organisation", reason)
    item = Item(
        organisation=organisation,
        origin_node=settings.BUREAU_NODE_NAME,
        created_by=actor,
        kind=clean.kind,
    )
    _apply_common(item, clean, rates)
    detail = DETAIL_MODELS[clean.kind](item=item, **_plain_detail(clean))
    return PreparedItem(
        item=item,
        detail=detail,
        facet_keys=facets.keys_for(clean.common, clean.detail),
        extensions=clean.detail.get("extensions", []),
        milestones=clean.detail.get("milestones", []),
    )


def _apply_common(item: Item, clean: CleanItem, rates: dict[str, Any] | None) -> None:
    for name, value in clean.common.items():
        if name not in ("kind", "organisation"):
            setattr(item, name, value)
    item.countries = facets.all_countries(clean.common, clean.detail)
    item.hs_codes = facets.all_hs_codes(clean.common, clean.detail)
    item.sectors = facets.all_sectors(clean.common, clean.detail)
    item.value_usd = money.to_usd(item.value_amount, item.value_currency, rates)


def _plain_detail(clean: CleanItem) -> dict[str, Any]:
    return {
        k: ("" if v is None and k in _TEXT_DETAIL else v)
        for k, v in clean.detail.items()
        if k not in NESTED
    }


_TEXT_DETAIL = {"unit", "incoterm", "origin_country", "destination_country", "stage", "instrument"}


def items_save(
    prepared: list[PreparedItem], *, actor: User | None, publish: bool = False
) -> list[Item]:
    """Save prepared items with their details, facets and first audit entries, in bulk."""
    now = timezone.now()
    with transaction.atomic():
        items = [p.item for p in prepared]
        for item in items:
            item.created_at = item.updated_at = now
            if publish:
                item.status, item.published_at = Status.PUBLISHED, now
        Item.objects.bulk_create(items, batch_size=500)
        for p in prepared:
            p.detail.item = p.item  # type: ignore[attr-defined]
        for model in DETAIL_MODELS.values():
            rows = [p.detail for p in prepared if isinstance(p.detail, model)]
            model.objects.bulk_create(rows, batch_size=500)  # type: ignore[attr-defined]
        ItemFacet.objects.bulk_create(
            [ItemFacet(item_id=p.item.pk, key=k) for p in prepared for k in p.facet_keys],
            batch_size=2000,
        )
        _save_agreement_children(prepared)
        ItemTransition.objects.bulk_create(
            _first_transitions(items, actor, now, publish), batch_size=1000
        )
        if publish:
            changes.announce(ItemsPublished(items, created=True))
    return items


def _first_transitions(
    items: list[Item], actor: User | None, now: Any, publish: bool
) -> list[ItemTransition]:
    steps = [("", Status.DRAFT)] + ([(Status.DRAFT, Status.PUBLISHED)] if publish else [])
    actor_id = actor.pk if actor is not None else None
    return [
        ItemTransition(item_id=i.pk, from_status=old, to_status=new, actor_id=actor_id, at=now)
        for old, new in steps
        for i in items
    ]


def _save_agreement_children(prepared: list[PreparedItem]) -> None:
    extensions, milestones = [], []
    for p in prepared:
        if isinstance(p.detail, Agreement):
            extensions += [AgreementExtension(agreement=p.detail, **e) for e in p.extensions]
            milestones += [AgreementMilestone(agreement=p.detail, **m) for m in p.milestones]
    AgreementExtension.objects.bulk_create(extensions)
    AgreementMilestone.objects.bulk_create(milestones)


def item_create(*, actor: User | None, data: Mapping[str, Any], publish: bool = False) -> Item:
    """Create one item as a draft (or published at once when ``publish`` and allowed).

    Publishing announces the items in the same transaction, so no published item goes unannounced.
    """
    prepared = item_prepare(actor=actor, data=data)
    if (
        publish
        and actor is not None
        and not permissions.moderates(actor, prepared.item.organisation)
    ):
        raise PermissionDenied(_("only chamber staff can publish"))
    return items_save([prepared], actor=actor, publish=publish)[0]


@transaction.atomic
def item_update(*, actor: User, item: Item, data: Mapping[str, Any]) -> Item:
    """Change an item's fields; unspecified fields keep their values. The kind cannot change."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    if not permissions.can_edit_item(actor, item):
        raise PermissionDenied(_("you cannot edit this item"))
    if "kind" in data and data["kind"] != item.kind:
        raise ValidationFailed.single("kind", _("cannot be changed; create a new item instead"))
    before = item_as_record(item)
    merged = {**before, **data, "organisation": item.organisation.slug}
    if "organisation" in data and data["organisation"] not in ("", item.organisation.slug):
        raise ValidationFailed.single("organisation", _("cannot be changed"))
    clean = clean_item(
        {k: v for k, v in merged.items() if k not in ("id", "uid")},
        entered=True,
        kept_valid_until=item.valid_until,
    )
    clean.common.pop("organisation")
    _apply_common(item, clean, None)
    item.updated_at = timezone.now()
    item.save()
    _replace_detail(item, clean)
    _replace_facets(item, facets.keys_for(clean.common, clean.detail))
    _record_edit(item, actor, before, item_as_record(item))
    changes.announce(ItemUpdated(item))
    return item


def _record_edit(item: Item, actor: User, before: dict[str, Any], after: dict[str, Any]) -> None:
    """An edit joins the audit trail as a step from a status to itself, naming the fields."""
    changed = [name for name in after if name != "organisation" and before.get(name) != after[name]]
    if changed:
        note = ("changed: " + ", ".join(changed))[:MAX_NOTE]
        ItemTransition.objects.create(
            item=item, from_status=item.status, to_status=item.status, actor=actor, note=note
        )


def _replace_detail(item: Item, clean: CleanItem) -> None:
    model = DETAIL_MODELS[item.kind]
    model.objects.filter(item=item).delete()  # type: ignore[attr-defined]
    detail = model.objects.create(item=item, **_plain_detail(clean))  # type: ignore[attr-defined]
    if isinstance(detail, Agreement):
        prepared = PreparedItem(
            item, detail, [], clean.detail.get("extensions", []), clean.detail.get("milestones", [])
        )
        _save_agreement_children([prepared])


def _replace_facets(item: Item, keys: list[str]) -> None:
    ItemFacet.objects.filter(item=item).delete()
    ItemFacet.objects.bulk_create([ItemFacet(item=item, key=k) for k in keys])


# Moderation: which status may follow which, and who may make the move.
TRANSITIONS = {
    Status.SUBMITTED: ({Status.DRAFT}, permissions.can_submit_item),
    Status.PUBLISHED: ({Status.DRAFT, Status.SUBMITTED}, permissions.can_publish_item),
    Status.DRAFT: ({Status.SUBMITTED}, permissions.can_publish_item),
    Status.WITHDRAWN: (
        {Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED},
        permissions.can_withdraw_item,
    ),
}


@transaction.atomic
def item_transition(*, actor: User | None, item: Item, to: str, note: str = "") -> Item:
    """Move an item to status ``to`` if the workflow and the actor's role allow it."""
    item = Item.objects.select_for_update().select_related("organisation").get(pk=item.pk)
    allowed_from, may = TRANSITIONS[Status(to)]
    if item.status not in allowed_from:
        raise Conflict(
            _("a %(status)s item cannot become %(to)s")
            % {"status": item.get_status_display().lower(), "to": Status(to).label.lower()}
        )
    if actor is not None and not may(actor, item):
        raise PermissionDenied(
            _("you cannot make this item %(to)s") % {"to": Status(to).label.lower()}
        )
    if to == Status.PUBLISHED and (reason := _received_organisation(item.organisation)):
        raise Conflict(_("this item cannot be published here: %(reason)s") % {"reason": reason})
    if to in (Status.SUBMITTED, Status.PUBLISHED) and _has_passed(item):
        raise Conflict(
            _(
                "its valid-until date (%(date)s) has passed: change it to today or later "
                "before the item can become %(to)s"
            )
            % {"date": item.valid_until, "to": Status(to).label.lower()}
        )
    _record(item, to, actor, note)
    return item


def _received_organisation(organisation: Organisation) -> str | None:
    """Why nothing may be published here for ``organisation``: it is another node's."""
    if not organisation.origin_node:
        return None
    return _("%(name)s is an organisation of node '%(node)s', which alone publishes for it") % {
        "name": organisation.name,
        "node": organisation.origin_node,
    }


def _has_passed(item: Item) -> bool:
    return item.valid_until is not None and item.valid_until < timezone.localdate()


def item_submit(*, actor: User, item: Item) -> Item:
    return item_transition(actor=actor, item=item, to=Status.SUBMITTED)


def item_publish(*, actor: User | None, item: Item) -> Item:
    return item_transition(actor=actor, item=item, to=Status.PUBLISHED)


def item_withdraw(*, actor: User, item: Item, note: str = "") -> Item:
    return item_transition(actor=actor, item=item, to=Status.WITHDRAWN, note=note)


def item_return_to_draft(*, actor: User, item: Item, note: str = "") -> Item:
    """Submitted → draft. The reason is required: it is kept in the audit trail and sent to the
    people who entered the item (the inbox listens for the change)."""
    try:
        note = parsing.text(note, max_length=MAX_NOTE)
    except ValueError as error:
        raise ValidationFailed.single("note", str(error)) from None
    if not note:
        raise ValidationFailed.single("note", _("is required: say what the member should change"))
    return item_transition(actor=actor, item=item, to=Status.DRAFT, note=note)


def _record(item: Item, to: str, actor: User | None, note: str) -> None:
    now, from_status = timezone.now(), item.status
    ItemTransition.objects.create(
        item=item, from_status=item.status, to_status=to, actor=actor, at=now, note=note
    )
    item.status = to
    item.updated_at = now
    if to == Status.PUBLISHED:
        item.published_at = now
    item.save(update_fields=["status", "updated_at", "published_at"])
    if to == Status.PUBLISHED:
        changes.announce(ItemsPublished([item]))
    else:
        changes.announce(ItemStatusChanged(item, from_status=from_status))


def items_expire_due() -> int:
    """Expire every published local item whose valid-until date has passed; returns how many."""
    expired = 0
    for item in Item.objects.local().due_to_expire().only("pk")[:10_000]:
        with transaction.atomic():
            locked = Item.objects.select_for_update().get(pk=item.pk)
            if locked.status == Status.PUBLISHED:
                _record(locked, Status.EXPIRED, None, "valid-until date passed")
                expired += 1
    return expired
