"""Secrets the bureau must read back (webhook signing secrets), stored encrypted.

A database dump or backup then does not hand out the secrets that prove a webhook comes from
this node. The key is derived (HKDF-SHA256) from the node's Django secret key, which lives
outside the database (``BUREAU_SECRET_KEY`` or ``BUREAU_HOME/secret_key``); values are sealed
with AES-256-GCM and a fresh nonce. Changing the secret key makes stored secrets unreadable:
keep the old key in ``BUREAU_SECRET_KEY_FALLBACKS`` until every endpoint's secret has been rotated.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

PREFIX = "sealed1:"
PURPOSE = b"bureau: secrets kept in the database"


def _key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE)
    return hkdf.derive(secret_key.encode())


def seal(text: str) -> str:
    nonce = os.urandom(12)
    box = AESGCM(_key(settings.SECRET_KEY)).encrypt(nonce, text.encode(), PREFIX.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + box).decode()


def unseal(stored: str) -> str:
    """The text ``seal`` made ``stored`` from; a value not sealed (older rows) as it is."""
    if not stored.startswith(PREFIX):
        return stored
    raw = base64.urlsafe_b64decode(stored[len(PREFIX) :])
    nonce, box = raw[:12], raw[12:]
    for secret_key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        try:
            return AESGCM(_key(secret_key)).decrypt(nonce, box, PREFIX.encode()).decode()
        except InvalidTag:
            continue
    raise ValueError("a sealed secret cannot be read: the node's secret key has changed")


class SealedCharField(models.CharField):
    """Text that is stored sealed and read back in clear; never used in a lookup."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return unseal(value) if isinstance(value, str) and value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if isinstance(value, str) and value and not value.startswith(PREFIX):
            return seal(value)
        return value
