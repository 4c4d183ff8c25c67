"""Reads from the catalog: filtered listings, facet counts and item records.

``ItemFilters`` is the one definition of the browse filters; the web page and the API both
parse their query string with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from bureau.accounts.models import Organisation
from bureau.catalog import facets, index, search
from bureau.catalog.fields import FIELD_NAMES, NESTED_FIELDS, parse_language
from bureau.catalog.models import DETAIL_RELATION, Item, ItemFacet, ItemTransition, Kind, Status
from bureau.core import parsing
from bureau.core.errors import FieldError, PermissionDenied, ValidationFailed
from bureau.reference import countries, hs
from bureau.reference.vocab import Sector

SORTS = ("relevance", "newest", "value", "expiry")


@dataclass
class ItemFilters:
    q: str = ""
    kind: list[str] = field(default_factory=list)
    hs: str = ""
    section: str = ""
    sector: str = ""
    country: str = ""
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    published_from: dt.date | None = None
    published_to: dt.date | None = None
    organisation: str = ""
    concerning: str = ""
    language: str = ""  # the language an item is written in (ISO 639-1)
    status: str = Status.PUBLISHED
    sort: str = ""

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> ItemFilters:
        """Read filters from a query string; raise ``ValidationFailed`` naming each bad one."""
        errors: list[FieldError] = []
        result = cls()
        for name, parse in _PARSERS.items():
            raw = (
                params.getlist(name)
                if name == "kind" and hasattr(params, "getlist")
                else params.get(name)
            )
            if parsing.is_blank(raw) or raw == []:
                continue
            try:
                setattr(result, name, parse(raw))
            except ValueError as error:
                errors.append(FieldError(name, str(error)))
        if (
            result.value_min is not None
            and result.value_max is not None
            and result.value_max < result.value_min
        ):
            errors.append(FieldError("value_max", _("is below value_min")))
        if errors:
            raise ValidationFailed(errors)
        return result

    def as_params(self) -> dict[str, Any]:
        """The non-empty filters, for links and saved searches."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value not in (None, "", []) and not (
                f.name == "status" and value == Status.PUBLISHED
            ):
                out[f.name] = value if isinstance(value, list) else str(value)
        return out


def _one_of(allowed: list[str]) -> Any:
    def parse(value: Any) -> str:
        word = parsing.text(value)
        if word not in allowed:
            raise ValueError(
                _("'%(value)s' is not one of: %(allowed)s")
                % {"value": word, "allowed": ", ".join(allowed)}
            )
        return word

    return parse


def _kinds(value: Any) -> list[str]:
    kinds = parsing.string_list(value)
    bad = [k for k in kinds if k not in Kind.values]
    if bad:
        raise ValueError(
            _("unknown kind(s) %(bad)s; use %(allowed)s")
            % {"bad": ", ".join(bad), "allowed": ", ".join(Kind.values)}
        )
    return kinds


def content_language(value: Any) -> str:
    """An ISO 639-1 code, as items carry their language ('AZ' -> 'az')."""
    return parse_language(value) if not parsing.is_blank(value) else ""


def _hs_prefix(value: Any) -> str:
    code = hs.normalise(parsing.text(value))
    if reason := hs.validation_error(code):
        raise ValueError(reason)
    return code


def _country(value: Any) -> str:
    code = parsing.text(value).upper()
    if reason := countries.country_error(code):
        raise ValueError(reason)
    return code


_PARSERS: dict[str, Any] = {
    "q": lambda v: parsing.text(v, max_length=200),
    "kind": _kinds,
    "hs": _hs_prefix,
    "section": _one_of(hs.ROMAN),
    "sector": _one_of(list(Sector.values)),
    "country": _country,
    "value_min": parsing.amount,
    "value_max": parsing.amount,
    "published_from": parsing.date,
    "published_to": parsing.date,
    "organisation": lambda v: parsing.text(v, max_length=220),
    "concerning": lambda v: parsing.text(v, max_length=220),
    "language": lambda v: content_language(v),
    "status": _one_of(list(Status.values)),
    "sort": _one_of(list(SORTS)),
}


def item_list(filters: ItemFilters, *, base: QuerySet[Item] | None = None) -> QuerySet[Item]:
    """Items matching ``filters``, ordered as asked (relevance when searching, else newest)."""
    qs = (base if base is not None else Item.objects.all()).filter(status=filters.status)
    searching = search.is_search(filters.q)
    qs = _apply_filters(qs, filters, probe_facets=searching)
    sort = filters.sort or ("relevance" if searching else "newest")
    ranked = sort == "relevance" and search.ranks(filters.q)
    qs = search.filter_fulltext(qs, filters.q, ranked=ranked)
    order = {
        "relevance": ["rank", "-id"] if ranked else ["-published_at", "-id"],
        "newest": ["-published_at", "-id"],
        "value": ["-value_usd", "-id"],
        "expiry": ["valid_until", "id"],
    }[sort]
    return qs.select_related("organisation").order_by(*order)


def _apply_filters(
    qs: QuerySet[Item], f: ItemFilters, *, probe_facets: bool = False
) -> QuerySet[Item]:
    if f.kind:
        qs = qs.filter(kind__in=f.kind)
    for facet, value in (
        (facets.HS, f.hs),
        (facets.SECTION, f.section),
        (facets.SECTOR, f.sector),
        (facets.COUNTRY, f.country),
    ):
        if value:
            keyed = ItemFacet.objects.filter(key=facets.key(facet, value))
            if probe_facets:
                # The full-text matches drive a search: probe each one's (item, key) index
                # entry rather than list every item of a common key (SQLite would build the
                # whole list, hundreds of thousands of ids, for every query).
                qs = qs.filter(Exists(keyed.filter(item_id=OuterRef("pk"))))
            else:
                qs = qs.filter(id__in=keyed.values("item_id"))
    if f.value_min is not None:
        qs = qs.filter(value_usd__gte=f.value_min)
    if f.value_max is not None:
        qs = qs.filter(value_usd__lte=f.value_max)
    if f.published_from:
        qs = qs.filter(published_at__date__gte=f.published_from)
    if f.published_to:
        qs = qs.filter(published_at__date__lte=f.published_to)
    if f.organisation:
        qs = qs.filter(organisation__slug=f.organisation)
    if f.concerning:
        qs = qs.filter(_concerning(f.concerning))
    if f.language:
        qs = qs.filter(language=f.language)
    return qs


NAME_PARTS = re.compile(r"\s+[\u2014\u2013-]\s+|\s*[(),]\s*")  # dashes, brackets, commas
SHORTEST_NAME = 3


def organisation_names(organisation: Organisation) -> list[str]:
    """The names an item may use for ``organisation``: its full name and each part of it
    ('SOCAR — State Oil Company of the Azerbaijan Republic' is also 'SOCAR')."""
    parts = [organisation.name, *NAME_PARTS.split(organisation.name)]
    names = [part.strip() for part in parts if len(part.strip()) >= SHORTEST_NAME]
    return list(dict.fromkeys(names))


def _concerning(slug: str) -> Q:
    """Items of the organisation, and those that name it: as an agreement's party, a tender's
    buyer, or in their text."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        return Q(pk__in=[])
    found = Q(organisation=organisation)
    for name in organisation_names(organisation):
        found |= Q(agreement__parties__icontains=name) | Q(tender__buyer__iexact=name)
        found |= Q(id__in=search.phrase_ids(name))
    return found


FACET_CACHE_SECONDS = 30


def facet_counts(filters: ItemFilters) -> dict[str, list[tuple[str, int]]]:
    """How many matching items each facet value has (top values), cached briefly."""
    cache_key = (
        "facets:" + hashlib.sha256(repr(sorted(filters.as_params().items())).encode()).hexdigest()
    )
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    matching = search.filter_fulltext(
        _apply_filters(Item.objects.filter(status=filters.status), filters), filters.q, ranked=False
    )
    result: dict[str, list[tuple[str, int]]] = {
        "kind": [],
        facets.SECTION: [],
        facets.HS: [],
        facets.SECTOR: [],
        facets.COUNTRY: [],
    }
    for row in matching.order_by().values("kind").annotate(n=Count("id")):
        result["kind"].append((row["kind"], row["n"]))
    counts: Counter[str] = Counter()
    rows = (
        ItemFacet.objects.filter(item__in=matching.order_by().values("id"))
        .values("key")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["key"]] = row["n"]
    for key, n in counts.most_common():
        facet, value = key.split(":", 1)
        if facet not in result or (facet == facets.HS and len(value) != 2):
            continue  # chapters only in the sidebar; headings through the HS filter; no places
        if len(result[facet]) < 30:
            result[facet].append((value, n))
    cache.set(cache_key, result, FACET_CACHE_SECONDS)
    return result


COUNT_CAP = 10_000


def item_page(matching: QuerySet[Item], *, offset: int, limit: int) -> list[Item]:
    """One page of ``matching`` with organisation and details: the page's ids first, then only
    those rows, so the joins run on 20 rows and not on every match before the sort."""
    keys = ["id", *matching.query.extra_select]
    ids = [row[0] for row in matching.values_list(*keys)[offset : offset + limit]]
    rows = (
        Item.objects.filter(id__in=ids)
        .select_related("organisation", *DETAIL_RELATION.values())
        .prefetch_related("agreement__extensions", "agreement__milestones")
        .order_by()
    )
    by_id = {item.pk: item for item in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def count_matches(matching: QuerySet[Item], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many items match, counting no further than ``cap``; and whether it stopped there."""
    counted = matching.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap


def item_search(
    filters: ItemFilters, *, base: QuerySet[Item] | None = None, offset: int, limit: int
) -> tuple[list[Item], int, bool]:
    """One page of the items matching ``filters`` and their count (capped as ``count_matches``):
    from the search index when it can answer (published items by relevance; see
    ``bureau.catalog.index``), else from the database."""
    if base is None and index.serves(filters):
        found = index.find(filters, offset=offset, limit=limit)
        rows = (
            Item.objects.filter(id__in=[pk for pk, _uid in found.hits], status=Status.PUBLISHED)
            .select_related("organisation", *DETAIL_RELATION.values())
            .prefetch_related("agreement__extensions", "agreement__milestones")
            .order_by()
        )
        # Read back from the database: never an item that is not published (now) or not the
        # one indexed under that id.
        by_id = {item.pk: item for item in rows}
        page = [by_id[pk] for pk, uid in found.hits if pk in by_id and by_id[pk].uid.hex == uid]
        return page, min(found.count, COUNT_CAP), found.count > COUNT_CAP
    matching = item_list(filters, base=base)
    count, capped = count_matches(matching)
    return item_page(matching, offset=offset, limit=limit), count, capped


def item_search_ids(
    filters: ItemFilters, *, base: QuerySet[Item] | None = None, offset: int, limit: int
) -> tuple[list[tuple[int, str]], int, bool] | None:
    """What ``item_search`` finds when the search index answers: the page's (id, version) of
    items published now, and the capped count; None when the database must answer."""
    if base is not None or not index.serves(filters):
        return None
    found = index.find(filters, offset=offset, limit=limit, queue_checked=False)
    versions, behind = _versions_and_queue(dict(found.hits))
    if behind or index.committed_since(found):  # the index was behind the database: sync
        found = index.find(filters, offset=offset, limit=limit)
        versions = item_versions(dict(found.hits))
    page = [(pk, versions[pk]) for pk, _uid in found.hits if pk in versions]
    return page, min(found.count, COUNT_CAP), found.count > COUNT_CAP


def items_visible_to(user: Any) -> QuerySet[Item]:
    """Every item ``user`` may list whatever its status: node admins all; chamber staff their
    chamber's and its members'; members their own organisation's."""
    if getattr(user, "is_node_admin", False):
        return Item.objects.all()
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None:
        raise PermissionDenied(_("only members of an organisation can list unpublished items"))
    own = Q(organisation_id=organisation_id)
    if user.is_chamber_staff:
        own |= Q(organisation__chamber_id=organisation_id)
    return Item.objects.filter(own)


def items_of_organisation(
    organisation: Organisation, status: str, limit: int
) -> tuple[list[Item], dict[int, str]]:
    """The organisation's items in ``status``, newest change first, and for drafts that staff
    returned, the reason they gave (by item id)."""
    items = list(
        Item.objects.filter(organisation=organisation, status=status).order_by(
            "-updated_at", "-id"
        )[:limit]
    )
    reasons: dict[int, str] = {}
    if status == Status.DRAFT and items:
        returned = ItemTransition.objects.filter(
            item__in=items, from_status=Status.SUBMITTED, to_status=Status.DRAFT
        ).order_by("at", "id")
        reasons = {t.item_id: t.note for t in returned}  # the latest return wins
    return items, reasons


def item_get(
    *, pk: int | None = None, uid: str | None = None, details: bool = False
) -> Item | None:
    """One item with its organisation (and with ``details``, its kind's record in the same
    query), or None. Unordered: a key look-up needs no ORDER BY, and compiling the model's
    default ordering was the largest cost of the item-detail API."""
    if pk is None and not uid:
        return None
    related = ["organisation", *(DETAIL_RELATION.values() if details else ())]
    qs = Item.objects.select_related(*related).order_by()
    try:
        return qs.get(pk=pk) if pk is not None else qs.get(uid=str(uid))
    except (Item.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        return None


def item_version(*, pk: int) -> str | None:
    """A tag that changes whenever the API's record of published item ``pk`` may change (its
    ``updated_at`` and the organisation's slug, name and verification), or None when the item
    is not published. One indexed row read in plain SQL: it runs before every cached read."""
    return item_versions({pk: None}).get(pk)


def item_versions(uids: Mapping[int, str | None]) -> dict[int, str]:
    """``item_version`` of each of the ids (keys of ``uids``) that is published now and, where a
    uid is given, still has that uid."""
    if not uids:
        return {}
    return _versions(uids, _read_versions(uids, queue=False))


VERSION_SQL = (
    "SELECT i.id, i.uid, i.updated_at, o.slug, o.name, o.verified_at FROM catalog_item i"
    " JOIN accounts_organisation o ON o.id = i.organisation_id"
    " WHERE i.id IN ({marks}) AND i.status = %s"
)
# One more row, all NULL, when the search index has changes to catch up with.
QUEUE_SQL = (
    " UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL"
    " WHERE EXISTS (SELECT 1 FROM catalog_searchqueue)"
)


def _versions_and_queue(uids: Mapping[int, str | None]) -> tuple[dict[int, str], bool]:
    """``item_versions`` and whether the search queue holds rows, read in one statement (so
    from one snapshot of the database)."""
    rows = _read_versions(uids, queue=True)
    behind = any(row[0] is None for row in rows)
    return _versions(uids, [row for row in rows if row[0] is not None]), behind


def _read_versions(uids: Mapping[int, str | None], *, queue: bool) -> list[tuple[Any, ...]]:
    from django.db import connection

    marks = ", ".join(["%s"] * len(uids)) or "NULL"
    sql = VERSION_SQL.format(marks=marks) + (QUEUE_SQL if queue else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*uids, Status.PUBLISHED])  # placeholders only
        return list(cursor.fetchall())


def _versions(uids: Mapping[int, str | None], rows: list[tuple[Any, ...]]) -> dict[int, str]:
    out = {}
    for pk, uid, *version in rows:
        wanted = uids[pk]
        if wanted is None or str(uid).replace("-", "").lower() == wanted:
            out[pk] = hashlib.sha256(repr((pk, *version)).encode()).hexdigest()[:20]
    return out


def items_with_details(*, pks: list[int]) -> list[Item]:
    """The items with their organisation, details and an agreement's children, unordered."""
    return list(
        Item.objects.filter(id__in=pks)
        .select_related("organisation", *DETAIL_RELATION.values())
        .prefetch_related("agreement__extensions", "agreement__milestones")
        .order_by()
    )


def item_as_record(item: Item) -> dict[str, Any]:
    """The item as a flat record in the documented field set (what the API and export show)."""
    record: dict[str, Any] = {"id": item.pk, "uid": str(item.uid)}
    detail = getattr(item, DETAIL_RELATION[item.kind], None)
    for name in FIELD_NAMES:
        if name == "organisation":
            record[name] = item.organisation.slug
        elif name in NESTED_FIELDS:
            if detail is not None and item.kind == Kind.AGREEMENT:
                record[name] = _nested(detail, name)
        elif hasattr(Item, name):
            record[name] = getattr(item, name)
        elif detail is not None and hasattr(detail, name):
            record[name] = getattr(detail, name)
    return record


def _nested(detail: Any, name: str) -> list[dict[str, Any]]:
    keys = (
        ("agreed_on", "new_expires_on", "note")
        if name == "extensions"
        else ("title", "due_on", "done_on")
    )
    return [{k: getattr(row, k) for k in keys} for row in getattr(detail, name).all()]


def items_newest(limit: int = 8, *, received: bool = False) -> QuerySet[Item]:
    """The newest published items; with ``received``, only those from other nodes."""
    found = Item.objects.published()
    if received:
        found = found.received()
    return found.select_related("organisation").order_by("-published_at", "-id")[:limit]
