"""One node, many processes: the identity they must share, checked against the database.

The first process to start records the node's public key and a check of its secret key
(``NodeIdentity``); every later process compares its own and refuses to start on a difference,
naming the settings to share. Without this, a web process started from another ``BUREAU_HOME``
would make a key pair and a secret key of its own: peers would see two public keys for one
node, and a session cookie signed by one process would be refused by the next.
"""

from __future__ import annotations

import functools
import os
import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from bureau.exchange.identity import key_path, public_key
from bureau.exchange.models import NodeIdentity

_SALT = "bureau.exchange.sharing.secret-check"
SHARED = "BUREAU_HOME (or BUREAU_NODE_KEY and BUREAU_SECRET_KEY), DATABASE_URL and REDIS_URL"


def secret_check(secret: str) -> str:
    """A keyed digest of the secret key: equal for equal keys, and reveals nothing of it."""
    return salted_hmac(_SALT, "node", secret=secret, algorithm="sha256").hexdigest()


def node_identity_check() -> NodeIdentity:
    """Record this node's identity if none is, else check this process against it.

    Raises ImproperlyConfigured, naming the settings every process must share, when this
    process's node key or secret key differs from the recorded one. A recorded secret that is
    one of ``BUREAU_SECRET_KEY_FALLBACKS`` is a rotation: the record moves to the new key.
    """
    name, public, check = settings.BUREAU_NODE_NAME, public_key(), secret_check(settings.SECRET_KEY)
    # A read first: a recorded identity is checked without a write, so a process still starts
    # (and its loops back off) while another holds the database's write lock.
    recorded = NodeIdentity.objects.filter(node=name).first()
    if recorded is None:
        try:
            with transaction.atomic():
                recorded, _created = NodeIdentity.objects.get_or_create(
                    node=name, defaults={"public_key": public, "secret_check": check}
                )
        except IntegrityError:  # another process recorded it at the same moment
            recorded = NodeIdentity.objects.get(node=name)
    if recorded.public_key != public:
        raise ImproperlyConfigured(
            f"This process's node key ({public}, from {_key_source()}) is not the key of node "
            f"{name} recorded in the database ({recorded.public_key}). Every process of one node "
            f"must share {SHARED}."
        )
    if not constant_time_compare(recorded.secret_check, check):
        if not any(
            constant_time_compare(recorded.secret_check, secret_check(old))
            for old in settings.SECRET_KEY_FALLBACKS
        ):
            raise ImproperlyConfigured(
                f"This process's secret key ({_secret_source()}) is not the one the other "
                f"processes of node {name} use (sessions and sealed webhook secrets would not "
                f"carry over). Every process of one node must share {SHARED}."
            )
        NodeIdentity.objects.filter(pk=recorded.pk).update(secret_check=check)
    return recorded


@functools.cache
def node_instance() -> uuid.UUID:
    """The id recorded with this node's identity: the same for every process of the node."""
    return node_identity_check().instance


def _key_source() -> str:
    return "BUREAU_NODE_KEY" if settings.BUREAU_NODE_KEY else str(key_path())


def _secret_source() -> str:
    if os.environ.get("BUREAU_SECRET_KEY"):
        return "BUREAU_SECRET_KEY"
    return str(settings.BUREAU_HOME / "secret_key")
