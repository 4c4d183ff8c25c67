"""Ed25519 keys and signatures, as text.

A public key is written ``ed25519:`` followed by the 32 raw key bytes in base64url without
padding; a signature is the 64 raw signature bytes in base64url without padding. Pure: no
Django in this module.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PUBLIC_PREFIX = "ed25519:"


def b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """base64url with or without padding; raises ValueError on anything else."""
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("is not base64url") from error


def generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The ``ed25519:...`` text of a key's public half."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PUBLIC_PREFIX + b64encode(raw)


def parse_public(text: str) -> Ed25519PublicKey:
    """Read an ``ed25519:...`` public key; raises ValueError saying what is wrong."""
    text = text.strip()
    if not text.startswith(PUBLIC_PREFIX):
        raise ValueError(f"must start with '{PUBLIC_PREFIX}'")
    raw = b64decode(text[len(PUBLIC_PREFIX) :])
    if len(raw) != 32:
        raise ValueError("must hold 32 bytes of Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(raw)


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def parse_private(text: str) -> Ed25519PrivateKey:
    """A private key from PKCS#8 PEM or from the base64url of its 32-byte seed."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("is not an Ed25519 private key")
        return key
    seed = b64decode(text)
    if len(seed) != 32:
        raise ValueError("must be a PEM key or the base64url of a 32-byte Ed25519 seed")
    return Ed25519PrivateKey.from_private_bytes(seed)


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return b64encode(key.sign(message))


def verify(key: Ed25519PublicKey, signature: str, message: bytes) -> bool:
    """Whether ``signature`` (base64url) is ``key``'s signature of ``message``."""
    try:
        raw = b64decode(signature)
    except ValueError:
        return False
    if len(raw) != 64:
        return False
    try:
        key.verify(raw, message)
    except InvalidSignature:
        return False
    return True
