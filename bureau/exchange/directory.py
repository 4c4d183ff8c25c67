"""Organisations named in a peer's events: found by uid, created or kept up to date.

An organisation this node does not know is created with ``origin_node`` = the peer. One it
knows is changed only if the peer owns it. An event tied to an organisation entered here (or
received from another node) is refused: a peer publishes only for its own organisations, so
that no peer can put information in the name of this node's chamber or members.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils.text import slugify

from bureau.accounts.models import Organisation
from bureau.reference import countries

FIELDS = ("name", "kind", "country", "city")
KEYS = frozenset({"uid", "slug", "name", "kind", "country", "city", "verified"})


class Refused(Exception):
    """An event whose content this node does not take; replication goes on after it."""


class Organisations:
    """The organisations of one batch of a peer's events, loaded once and created as needed."""

    def __init__(self, peer_name: str, bodies: list[dict[str, Any]]) -> None:
        self.peer_name = peer_name
        uids = {_uid(b) for b in bodies} - {None}
        self._known = {o.uid: o for o in Organisation.objects.filter(uid__in=uids)}
        self._clean_memo: dict[Any, dict[str, Any]] = {}

    def resolve(self, data: Any, *, at: dt.datetime) -> Organisation:
        """The organisation ``data`` describes, created or refreshed when the peer owns it."""
        clean = self._checked(data)
        found = self._known.get(clean["uid"])
        if found is None:
            found = self._create(clean, at)
            self._known[found.uid] = found
        elif found.origin_node != self.peer_name:
            owner = f"node '{found.origin_node}'" if found.origin_node else "this node"
            raise Refused(
                f"organisation {found.uid} ({found.name}) is not the peer's: it belongs to {owner}"
            )
        else:
            _refresh(found, clean, at)
        return found

    def verify(self, data: Any, *, at: dt.datetime) -> Organisation:
        """Apply ``organisation.verified``: the peer's own organisations only."""
        return self.resolve(data, at=at)

    def _checked(self, data: Any) -> dict[str, Any]:
        """``_clean(data)``, once per distinct organisation in the batch (they repeat)."""
        try:
            memo_key: Any = tuple(sorted(data.items())) if isinstance(data, dict) else None
            hash(memo_key)
        except TypeError:
            memo_key = None
        if memo_key is None:
            return _clean(data)
        if memo_key not in self._clean_memo:
            self._clean_memo[memo_key] = _clean(data)
        return self._clean_memo[memo_key]

    def _create(self, clean: dict[str, Any], at: dt.datetime) -> Organisation:
        return Organisation.objects.create(
            uid=clean["uid"],
            slug=_free_slug(clean["slug"] or clean["name"], self.peer_name),
            origin_node=self.peer_name,
            verified_at=at if clean["verified"] else None,
            **{name: clean[name] for name in FIELDS},
        )


def _refresh(organisation: Organisation, clean: dict[str, Any], at: dt.datetime) -> None:
    changed = [name for name in FIELDS if getattr(organisation, name) != clean[name]]
    for name in changed:
        setattr(organisation, name, clean[name])
    if clean["verified"] != organisation.is_verified:
        organisation.verified_at = at if clean["verified"] else None
        changed.append("verified_at")
    if changed:
        organisation.save(update_fields=[*changed, "updated_at"])


def _uid(body: dict[str, Any]) -> uuid.UUID | None:
    data = body.get("organisation")
    try:
        return uuid.UUID(str(data["uid"])) if isinstance(data, dict) else None
    except (KeyError, ValueError):
        return None


def _clean(data: Any) -> dict[str, Any]:
    """The organisation fields of an event body, checked; raises Refused naming the bad one."""
    if not isinstance(data, dict):
        raise Refused("organisation: must be an object")
    if missing := sorted(KEYS - set(data)):
        # As for items: a key left out is not read as "empty".
        raise Refused(", ".join(f"organisation.{k}" for k in missing) + ": missing")
    try:
        uid = uuid.UUID(str(data.get("uid")))
    except ValueError:
        raise Refused("organisation.uid: is not a UUID") from None
    texts = {name: data.get(name, "") for name in ("slug", "name", "kind", "country", "city")}
    if not all(isinstance(v, str) for v in texts.values()):
        raise Refused("organisation: slug, name, kind, country and city must be text")
    limits = {"slug": 220, "name": 200, "city": 120}
    for name, limit in limits.items():
        if len(texts[name]) > limit:
            raise Refused(f"organisation.{name}: is longer than {limit} characters")
    if not texts["name"].strip():
        raise Refused("organisation.name: is required")
    if texts["kind"] not in Organisation.Kind.values:
        raise Refused(f"organisation.kind: '{texts['kind']}' is not a kind of organisation")
    if reason := countries.country_error(texts["country"]):
        raise Refused(f"organisation.country: {reason}")
    verified = data.get("verified", False)
    if not isinstance(verified, bool):
        raise Refused("organisation.verified: must be true or false")
    return {**texts, "country": texts["country"].upper(), "uid": uid, "verified": verified}


def _free_slug(wanted: str, peer_name: str) -> str:
    """The peer's slug if free here; else one suffixed with the peer's name (and a number)."""
    base = slugify(wanted)[:180] or "organisation"
    for candidate in (base, f"{base}-{slugify(peer_name)}"):
        if not Organisation.objects.filter(slug=candidate).exists():
            return candidate
    n = 2
    while Organisation.objects.filter(slug=f"{base}-{slugify(peer_name)}-{n}").exists():
        n += 1
    return f"{base}-{slugify(peer_name)}-{n}"
