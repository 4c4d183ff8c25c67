"""Items over the API: browse, read, create, change and move through moderation.

Each operation parses its input, finds the item, and calls a service or selector; the
services decide who may do what, and ``config.api`` turns their errors into JSON.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import P, PathEx, Query, QueryEx, Router, Status
from ninja.errors import AuthenticationError
from ninja.renderers import JSONRenderer

from bureau.accounts import permissions
from bureau.accounts.auth import authenticated_user, request_user
from bureau.accounts.models import User
from bureau.catalog import reads, selectors, services
from bureau.catalog.models import Item
from bureau.catalog.models import Status as ItemStatus
from bureau.catalog.schemas import (
    ItemIn,
    ItemOut,
    ItemPage,
    ItemQuery,
    TransitionIn,
    TransitionOut,
)
from bureau.core.errors import NotFound

router = Router(tags=["items"])

WEB_PATH = "/items/{}/"
MAX_ID = reads.MAX_ID  # ids are 64-bit: a larger number is no item, not a database error
Ident = PathEx[str, P(description="The item's numeric id or its uid")]


def item_out(item: Item) -> dict[str, Any]:
    """The item's flat record with its moderation state, origin and organisation."""
    record = selectors.item_as_record(item)
    organisation = item.organisation
    record.update(
        status=item.status,
        origin_node=item.origin_node,
        organisation_name=organisation.name,
        organisation_verified=organisation.is_verified,
        created_at=item.created_at,
        updated_at=item.updated_at,
        published_at=item.published_at,
        url=WEB_PATH.format(item.pk),
    )
    return record


def _find(ident: str) -> Item:
    """An item by numeric id or by uid, whatever its status."""
    item: Item | None = None
    if ident.isascii() and ident.isdigit():  # "²" is a digit to Python, not a number
        item = selectors.item_get(pk=int(ident)) if int(ident) <= MAX_ID else None
    else:
        try:
            item = selectors.item_get(uid=str(uuid.UUID(ident)))
        except ValueError:
            item = None
    if item is None:
        raise NotFound(_("there is no item '%(item)s'") % {"item": str(ident)[:40]})
    return item


def _find_visible(request: HttpRequest, ident: str) -> tuple[Item, User | None]:
    user = request_user(request)
    item = _find(ident)
    if not permissions.can_view_item(user, item):
        raise NotFound(_("there is no item '%(item)s'") % {"item": str(ident)[:40]})
    return item, user


def _scope(user: User | None, status: str) -> QuerySet[Item] | None:
    """The items a caller may list with ``status``; None means all (published ones)."""
    if status == ItemStatus.PUBLISHED:
        return None
    if user is None:
        raise AuthenticationError()
    return selectors.items_visible_to(user)


@router.get("/items", response=ItemPage, auth=None, exclude_unset=True, summary="List items")
def list_items(request: HttpRequest, params: Query[ItemQuery]) -> dict[str, Any] | HttpResponse:
    """Items matching the browse filters, newest first (or by relevance when searching)."""
    filters = selectors.ItemFilters.parse(request.GET)
    scope = _scope(request_user(request), filters.status)
    if not params.facets:
        found = selectors.item_search_ids(
            filters, base=scope, offset=params.offset, limit=params.limit
        )
        if found is not None:
            return _published_page(request, *found)
    page, count, capped = selectors.item_search(
        filters, base=scope, offset=params.offset, limit=params.limit
    )
    result: dict[str, Any] = {
        "count": count,
        "count_is_capped": capped,
        "items": [item_out(i) for i in page],
    }
    if params.facets and filters.status == ItemStatus.PUBLISHED:
        result["facets"] = selectors.facet_counts(filters)
    return result


@router.get("/items/{ident}", response=ItemOut, auth=None, exclude_unset=True, summary="One item")
def get_item(request: HttpRequest, ident: Ident) -> dict[str, Any] | HttpResponse:
    """By numeric id or uid. Unpublished items only for their organisation and its moderators.
    A published item's answer carries an ETag: send it back in ``If-None-Match`` to get
    304 Not Modified while the item is unchanged."""
    request_user(request)  # a bad token is refused even here
    if ident.isascii() and ident.isdigit() and int(ident) <= MAX_ID:
        version = selectors.item_version(pk=int(ident))
        if version is not None:
            return _published_item(request, int(ident), version)
    item, _user = _find_visible(request, ident)
    return item_out(item)


RENDERER = JSONRenderer()  # the API's renderer (config.api sets no other)


def _published_item(request: HttpRequest, pk: int, version: str) -> HttpResponse:
    """A published item's JSON from the cache when its version is unchanged (anyone may read it,
    so one copy serves every reader), rendered and cached otherwise."""
    response = reads.item_response(pk, version, request.headers.get("If-None-Match", ""))
    if response is not None:
        return response
    item = selectors.item_get(pk=pk, details=True)
    if item is None:  # deleted since the version was read
        raise NotFound(_("there is no item '%(item)s'") % {"item": pk})
    body = _render(request, item)
    reads.store_bodies({pk: (version, body)})
    response = HttpResponse(body, content_type=reads.CONTENT_TYPE)
    response["ETag"] = f'"{version}"'
    return response


def _published_page(
    request: HttpRequest, page: list[tuple[int, str]], count: int, capped: bool
) -> HttpResponse:
    """A page of published items from the index, each item's JSON from the cache when its
    version is unchanged (as ``_published_item``), the rest read and rendered at once."""
    versions = dict(page)
    bodies = reads.cached_bodies(versions)
    missing = [pk for pk in versions if pk not in bodies]
    if missing:
        fresh = {}
        for item in selectors.items_with_details(pks=missing):
            bodies[item.pk] = _render(request, item)
            fresh[item.pk] = (versions[item.pk], bodies[item.pk])
        reads.store_bodies(fresh)
    return HttpResponse(
        reads.page_body(page, bodies, count, capped), content_type=reads.CONTENT_TYPE
    )


def _render(request: HttpRequest, item: Item) -> bytes:
    """The bytes ninja would answer: validated by ``ItemOut``, unset fields left out."""
    data = ItemOut.model_validate(item_out(item)).model_dump(exclude_unset=True)
    return bytes(RENDERER.render(request, data, response_status=200), "utf-8")


@router.post("/items", response={201: ItemOut}, exclude_unset=True, summary="Create an item")
def create_item(
    request: HttpRequest,
    payload: ItemIn,
    publish: QueryEx[bool, P(description="Publish at once (chamber staff)")] = False,
) -> Status[dict[str, Any]]:
    """Create a draft; chamber staff may pass ``publish=true`` to publish it at once."""
    data = payload.model_dump(exclude_unset=True)
    item = services.item_create(actor=authenticated_user(request), data=data, publish=publish)
    return Status(201, item_out(_find(str(item.pk))))


@router.patch("/items/{ident}", response=ItemOut, exclude_unset=True, summary="Change an item")
def update_item(
    request: HttpRequest,
    ident: Ident,
    payload: ItemIn,
) -> dict[str, Any]:
    """Change the fields sent; the others keep their values. The kind cannot change."""
    data = payload.model_dump(exclude_unset=True)
    item = services.item_update(actor=authenticated_user(request), item=_find(ident), data=data)
    return item_out(_find(str(item.pk)))


def _move(
    request: HttpRequest, ident: str, to: str, payload: TransitionIn | None
) -> dict[str, Any]:
    note = payload.note if payload is not None else ""
    item = services.item_transition(
        actor=authenticated_user(request), item=_find(ident), to=to, note=note
    )
    return item_out(_find(str(item.pk)))


@router.post("/items/{ident}/submit", response=ItemOut, exclude_unset=True, summary="Submit")
def submit_item(
    request: HttpRequest, ident: Ident, payload: TransitionIn | None = None
) -> dict[str, Any]:
    """Draft → submitted, for the chamber to review."""
    return _move(request, ident, ItemStatus.SUBMITTED, payload)


@router.post("/items/{ident}/publish", response=ItemOut, exclude_unset=True, summary="Publish")
def publish_item(
    request: HttpRequest, ident: Ident, payload: TransitionIn | None = None
) -> dict[str, Any]:
    """Draft or submitted → published; chamber staff of the item's organisation only."""
    return _move(request, ident, ItemStatus.PUBLISHED, payload)


@router.post("/items/{ident}/withdraw", response=ItemOut, exclude_unset=True, summary="Withdraw")
def withdraw_item(
    request: HttpRequest, ident: Ident, payload: TransitionIn | None = None
) -> dict[str, Any]:
    """Take an item off the catalog for good."""
    return _move(request, ident, ItemStatus.WITHDRAWN, payload)


@router.post(
    "/items/{ident}/return-to-draft",
    response=ItemOut,
    exclude_unset=True,
    summary="Return to draft",
)
def return_item_to_draft(
    request: HttpRequest, ident: Ident, payload: TransitionIn | None = None
) -> dict[str, Any]:
    """Submitted → draft, usually with a note saying what to change."""
    return _move(request, ident, ItemStatus.DRAFT, payload)


@router.get(
    "/items/{ident}/history", response=list[TransitionOut], auth=None, summary="Audit trail"
)
def item_history(request: HttpRequest, ident: Ident) -> list[TransitionOut]:
    """Every change of status, oldest first."""
    item, user = _find_visible(request, ident)
    insider = user is not None and permissions.acts_for(user, item.organisation)
    return [
        TransitionOut(
            from_status=t.from_status,
            to_status=t.to_status,
            at=t.at,
            note=t.note,
            actor=str(t.actor) if insider and t.actor is not None else None,
        )
        for t in item.transitions.select_related("actor")
    ]
