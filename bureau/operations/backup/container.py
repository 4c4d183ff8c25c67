"""The outer layer of an archive: a gzip-compressed tar, sealed in chunks when a key is given.

Without ``BUREAU_BACKUP_KEY`` an archive is a plain ``.tar.gz`` that ``tar tzf`` can list. With
it, the same bytes are sealed with AES-256-GCM in chunks of 1 MiB: the file starts with
``MAGIC``, a salt for scrypt (which turns the passphrase into the key) and a random nonce prefix;
each chunk is ``length (4 bytes) + ciphertext``, its nonce the prefix, the chunk's number and a
flag set only on the last chunk. The header is authenticated with every chunk, so a changed,
reordered, truncated or extended archive fails to open. Pure: no Django in this module.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"BUREAU-BACKUP AES-256-GCM v1\n"
CHUNK = 1 << 20
SALT_BYTES, PREFIX_BYTES = 16, 7
HEADER_BYTES = len(MAGIC) + SALT_BYTES + PREFIX_BYTES
_LENGTH = struct.Struct(">I")


class Unreadable(Exception):
    """The archive cannot be opened: damaged, truncated, or sealed with another key."""


def derive_key(passphrase: str, salt: bytes) -> bytes:
    """A 256-bit key from the passphrase (scrypt, 32 MiB of memory: slow to guess)."""
    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode("utf-8"))


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + number.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def is_sealed(head: bytes) -> bool:
    return head.startswith(MAGIC)


class SealingWriter:
    """A write-only file object that seals what is written into ``raw``; ``finish()`` ends it."""

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        salt, self._prefix = os.urandom(SALT_BYTES), os.urandom(PREFIX_BYTES)
        self._header = MAGIC + salt + self._prefix
        self._aead = AESGCM(derive_key(passphrase, salt))
        self._raw, self._buffer, self._number = raw, bytearray(), 0
        raw.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        # Keep at least one byte back: only finish() knows which chunk is the last.
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._number, last), chunk, self._header)
        self._raw.write(_LENGTH.pack(len(sealed)) + sealed)
        self._number += 1

    def finish(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()


class OpeningReader:
    """A read-only file object giving the plain bytes of a sealed archive, chunk by chunk."""

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        header = raw.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or not is_sealed(header):
            raise Unreadable("it is not a sealed Bureau archive")
        salt = header[len(MAGIC) : len(MAGIC) + SALT_BYTES]
        self._prefix, self._header = header[len(MAGIC) + SALT_BYTES :], header
        self._aead = AESGCM(derive_key(passphrase, salt))
        self._raw, self._buffer, self._number, self._ended = raw, b"", 0, False

    def read(self, size: int = -1) -> bytes:
        while not self._ended and (size < 0 or len(self._buffer) < size):
            self._buffer += self._next_chunk()
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    def _next_chunk(self) -> bytes:
        length = self._raw.read(_LENGTH.size)
        if len(length) < _LENGTH.size:
            raise Unreadable("it is truncated (its last part is missing)")
        (size,) = _LENGTH.unpack(length)
        sealed = self._raw.read(size)
        if len(sealed) < size or size > CHUNK + 16:
            raise Unreadable("it is truncated or damaged")
        for last in (False, True):
            try:
                chunk = self._aead.decrypt(
                    _nonce(self._prefix, self._number, last), sealed, self._header
                )
            except InvalidTag:
                continue
            self._number += 1
            if last:
                self._ended = True
                if self._raw.read(1):
                    raise Unreadable("it has data after its end")
            return chunk
        if self._number == 0:
            raise Unreadable(
                "BUREAU_BACKUP_KEY is not the key it was sealed with, or it is damaged"
            )
        raise Unreadable(f"it is damaged (chunk {self._number + 1} does not open)")
