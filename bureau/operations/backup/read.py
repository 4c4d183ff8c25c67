"""Read an archive from start to end, checking everything it claims: used by verify and restore.

The archive is read as a stream, once: the manifest first (which the caller checks before
anything is written), then each part, whose size and SHA-256 are compared with the manifest
as it is read, then the manifest's own SHA-256. A member the manifest does not list, a part
listed but missing, a link or a device, a path outside its area: each refuses the archive.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, BinaryIO

from bureau.operations.backup import container
from bureau.operations.backup.manifest import (
    MAX_BYTES,
    NAME,
    SUM_NAME,
    Manifest,
    Part,
    Refused,
    parse,
)

GZIP_MAGIC = b"\x1f\x8b"


def read_archive(
    path: Path,
    *,
    passphrase: str,
    on_manifest: Callable[[Manifest], None],
    place: Callable[[Part], Path | None],
) -> Manifest:
    """Check the whole archive; ``place(part)`` says where to write a part (None: only check)."""
    try:
        raw = path.open("rb")
    except OSError as error:
        raise Refused(f"{path} cannot be opened: {error.strerror or error}") from None
    with raw:
        stream = _plain_stream(raw, passphrase)
        try:
            return _read(stream, on_manifest, place)
        except container.Unreadable as error:
            raise Refused(f"the archive cannot be opened: {error}") from None
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise Refused(f"the archive is damaged: {error or type(error).__name__}") from None


def _plain_stream(raw: BinaryIO, passphrase: str) -> IO[bytes]:
    head = raw.read(len(container.MAGIC))
    raw.seek(0)
    if container.is_sealed(head):
        if not passphrase:
            raise Refused(
                "the archive is sealed: set BUREAU_BACKUP_KEY to the key it was made with"
            )
        try:
            return container.OpeningReader(raw, passphrase)  # type: ignore[return-value]
        except container.Unreadable as error:
            raise Refused(f"the archive cannot be opened: {error}") from None
    if not head.startswith(GZIP_MAGIC):
        raise Refused("it is not a Bureau archive (neither a .tar.gz nor a sealed archive)")
    return raw


def _read(
    stream: IO[bytes],
    on_manifest: Callable[[Manifest], None],
    place: Callable[[Part], Path | None],
) -> Manifest:
    with tarfile.open(fileobj=stream, mode="r|gz") as tar:
        members = iter(tar)
        first = next(members, None)
        if first is None or first.name != NAME or not first.isreg() or first.size > MAX_BYTES:
            raise Refused("the archive is damaged: it does not start with its manifest")
        body = _bytes(tar, first)
        manifest = parse(body)
        on_manifest(manifest)
        expected = {p.name: p for p in manifest.parts}
        summed = False
        for member in members:
            if summed:
                raise Refused(f"the archive is damaged: {member.name} follows its end")
            if member.name == SUM_NAME and member.isreg() and member.size <= 200:
                _check_manifest_sum(body, _bytes(tar, member))
                summed = True
                continue
            part = expected.pop(member.name, None)
            if part is None or not member.isreg():
                raise Refused(f"the archive is damaged: {member.name!r} is not in its manifest")
            _copy_part(tar, member, part, place(part))
    if expected or not summed:
        missing = ", ".join(sorted(expected)[:5]) or SUM_NAME
        raise Refused(f"the archive is damaged or cut short: {missing} missing")
    return manifest


def _bytes(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    assert handle is not None
    return handle.read()


def _check_manifest_sum(body: bytes, recorded: bytes) -> None:
    if recorded.decode("ascii", "replace").strip() != hashlib.sha256(body).hexdigest():
        raise Refused("the archive is damaged: its manifest does not match its checksum")


def _copy_part(
    tar: tarfile.TarFile, member: tarfile.TarInfo, part: Part, target: Path | None
) -> None:
    handle = tar.extractfile(member)
    assert handle is not None
    digest, size = hashlib.sha256(), 0
    out = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        out = os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    try:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
            if out is not None:
                out.write(block)
    finally:
        if out is not None:
            out.close()
    if size != part.size or digest.hexdigest() != part.sha256:
        raise Refused(
            f"the archive is damaged: {part.name} is not what its manifest says "
            f"({size} bytes, SHA-256 {digest.hexdigest()[:12]}...; expected {part.size} bytes, "
            f"{part.sha256[:12]}...)"
        )
