"""Peers: add, check, pause, resume, remove; and who may call ``/exchange/v1/``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from bureau.exchange import client, keys, peerauth, wake
from bureau.exchange.canonical import PROTOCOL
from bureau.exchange.models import Peer

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


class RequestRefused(Exception):
    """A request to /exchange/v1/ that does not come from a configured peer."""


def _clean_peer(name: str, url: str, public_key: str) -> list[FieldError]:
    errors = []
    if not NAME.match(name):
        errors.append(
            FieldError("name", _("must be 1-100 lower-case letters, digits, '.', '_' or '-'"))
        )
    elif name == settings.BUREAU_NODE_NAME:
        errors.append(FieldError("name", _("is this node's own name")))
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors.append(FieldError("url", _("'%(url)s' is not an http(s) URL") % {"url": url[:200]}))
    try:
        keys.parse_public(public_key)
    except ValueError as error:
        errors.append(
            FieldError("key", _("is not an Ed25519 public key: it %(reason)s") % {"reason": error})
        )
    return errors


def peer_validate(*, name: str, url: str, public_key: str) -> tuple[str, str, str]:
    """The peer's name, URL and key, trimmed; raises ValidationFailed naming each bad one."""
    name, url, public_key = name.strip(), url.strip().rstrip("/"), public_key.strip()
    errors = _clean_peer(name, url, public_key)
    if not errors and Peer.objects.filter(name=name).exists():
        errors.append(
            FieldError("name", _("a peer named '%(name)s' exists already") % {"name": name})
        )
    if errors:
        raise ValidationFailed(errors)
    return name, url, public_key


@transaction.atomic
def peer_add(*, name: str, url: str, public_key: str) -> Peer:
    """Configure a peer to pull from and to serve. Its name is its permanent node name."""
    name, url, public_key = peer_validate(name=name, url=url, public_key=public_key)
    peer = Peer.objects.create(name=name, url=url, public_key=public_key, nudged_at=timezone.now())
    transaction.on_commit(wake.PULL.set)  # pull its log at once
    return peer


@transaction.atomic
def peer_ensure(
    *, name: str, url: str, public_key: str, title: str = "", country: str = ""
) -> Peer:
    """Add the peer, or bring its address, key and title up to date (for a set-up that runs
    again and again, such as the demo's two nodes); what was applied from it is kept."""
    name, url, public_key = name.strip(), url.strip().rstrip("/"), public_key.strip()
    errors = _clean_peer(name, url, public_key)
    if errors:
        raise ValidationFailed(errors)
    values = {"url": url, "public_key": public_key, "title": title[:300], "country": country[:2]}
    peer, _created = Peer.objects.get_or_create(
        name=name, defaults={**values, "nudged_at": timezone.now()}
    )
    changed = {k: v for k, v in values.items() if v and getattr(peer, k) != v}
    if changed:
        Peer.objects.filter(pk=peer.pk).update(**changed)
        peer.refresh_from_db()
    transaction.on_commit(wake.PULL.set)
    return peer


def peer_get(name: str) -> Peer:
    peer = Peer.objects.filter(name=name).first()
    if peer is None:
        raise NotFound(_("there is no peer '%(name)s'") % {"name": name[:100]})
    return peer


@dataclass
class CheckResult:
    peer: Peer
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def peer_check(*, peer: Peer) -> CheckResult:
    """Ask the peer who it is, compare with its configuration, and try a signed request."""
    result = CheckResult(peer)
    try:
        document = client.node_document(peer.url)
    except client.PeerUnavailable as error:
        result.problems.append(
            _("its node document could not be read: %(error)s") % {"error": error}
        )
        return result
    if document["name"] != peer.name:
        result.problems.append(
            _("it calls itself '%(called)s', not '%(name)s'")
            % {"called": document["name"], "name": peer.name}
        )
    if document["public_key"] != peer.public_key:
        result.problems.append(
            _("its public key is %(key)s, not the one configured") % {"key": document["public_key"]}
        )
    if document.get("protocol") != PROTOCOL:
        result.problems.append(
            _("it speaks %(protocol)r, not %(ours)r")
            % {"protocol": document.get("protocol"), "ours": PROTOCOL}
        )
    Peer.objects.filter(pk=peer.pk).update(
        title=str(document.get("title", ""))[:300], country=str(document.get("country", ""))[:2]
    )
    if result.ok:
        _check_access(peer, result)
    return result


def _check_access(peer: Peer, result: CheckResult) -> None:
    try:
        page = client.fetch_events(peer, after=peer.cursor_seq, limit=1)
    except client.PeerUnavailable as error:
        result.problems.append(
            _("it refuses this node's signed requests (%(error)s); add this node as a peer there")
            % {"error": error}
        )
        return
    head = page["head"]["seq"]
    result.notes.append(
        _("its log holds %(head)s events; %(applied)s applied here")
        % {"head": head, "applied": peer.cursor_seq}
    )


def peer_pause(*, peer: Peer) -> Peer:
    """Stop pulling from and nudging the peer until resumed."""
    Peer.objects.filter(pk=peer.pk).update(state=Peer.State.PAUSED)
    peer.refresh_from_db()
    return peer


def peer_resume(*, peer: Peer) -> Peer:
    """Pull again, at once; after a broken chain this retries from the last applied event."""
    Peer.objects.filter(pk=peer.pk).update(
        state=Peer.State.ACTIVE, failures=0, nudged_at=timezone.now(), pulling_until=None
    )
    wake.PULL.set()
    peer.refresh_from_db()
    return peer


def peer_remove(*, peer: Peer) -> None:
    """Forget the peer and its cursor. Items received from it stay, read-only."""
    if peer.pk is None:
        raise Conflict(_("peer '%(name)s' is already removed") % {"name": peer.name})
    peer.delete()


def peer_nudged(*, peer: Peer) -> None:
    """The peer says its log grew: note it and wake the puller of this process."""
    Peer.objects.filter(pk=peer.pk).update(nudged_at=timezone.now())
    wake.PULL.set()


def peer_authenticate(
    *, method: str, path: str, query: str, headers: dict[str, str], body: bytes
) -> Peer:
    """The configured peer that signed this request; raises RequestRefused otherwise."""
    sender = headers.get(peerauth.NODE_HEADER, "")
    if not sender:
        raise RequestRefused(
            f"exchange requests must be signed by a configured peer ({peerauth.NODE_HEADER}, "
            f"{peerauth.TIMESTAMP_HEADER}, {peerauth.SIGNATURE_HEADER})"
        )
    peer = Peer.objects.filter(name=sender).first()
    if peer is None:
        raise RequestRefused(f"'{sender[:100]}' is not a peer of this node")
    claimed = peerauth.Claimed(
        sender,
        headers.get(peerauth.TIMESTAMP_HEADER, ""),
        headers.get(peerauth.SIGNATURE_HEADER, ""),
    )
    problem = peerauth.check(
        claimed,
        public_key=keys.parse_public(peer.public_key),
        method=method,
        target=peerauth.target_of(path, query),
        recipient=settings.BUREAU_NODE_NAME,
        body=body,
    )
    if problem:
        raise RequestRefused(problem)
    return peer
