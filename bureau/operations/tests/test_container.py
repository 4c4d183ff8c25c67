"""The sealed container: what is sealed opens only with its key, and only whole and unchanged."""

from __future__ import annotations

import io
import os

import pytest

from bureau.operations.backup import container

PASSPHRASE = "correct horse battery staple"


def seal(data: bytes, passphrase: str = PASSPHRASE) -> bytes:
    raw = io.BytesIO()
    writer = container.SealingWriter(raw, passphrase)
    for start in range(0, len(data), 300_000):  # written in pieces, as tarfile does
        writer.write(data[start : start + 300_000])
    writer.finish()
    return raw.getvalue()


def open_all(sealed: bytes, passphrase: str = PASSPHRASE) -> bytes:
    reader = container.OpeningReader(io.BytesIO(sealed), passphrase)
    out = b""
    while block := reader.read(100_000):
        out += block
    return out


@pytest.mark.parametrize("size", [0, 1, container.CHUNK, container.CHUNK + 1, 3 * container.CHUNK])
def test_what_is_sealed_opens_the_same(size):
    data = os.urandom(size)
    sealed = seal(data)
    assert sealed.startswith(container.MAGIC)
    assert size < 64 or data[:64] not in sealed
    assert open_all(sealed) == data


def test_another_key_does_not_open_it():
    with pytest.raises(container.Unreadable, match="not the key"):
        open_all(seal(b"node key and database"), "another passphrase")


def test_a_changed_byte_a_cut_end_or_an_added_tail_is_refused():
    sealed = seal(os.urandom(2 * container.CHUNK + 10))
    changed = bytearray(sealed)
    changed[len(sealed) // 2] ^= 0x01
    with pytest.raises(container.Unreadable, match="damaged"):
        open_all(bytes(changed))
    # Cut exactly after the first whole chunk: only the flag on the last chunk shows it.
    first_chunk_end = container.HEADER_BYTES + 4 + container.CHUNK + 16
    with pytest.raises(container.Unreadable, match="truncated"):
        open_all(sealed[:first_chunk_end])
    with pytest.raises(container.Unreadable, match="after its end"):
        open_all(sealed + b"x")
