"""Compressed statistics files: a gzip file is expanded before it is read, up to a cap.

DuckDB would expand a file named ``.gz`` or ``.zst`` by itself, with no limit: a small upload
could fill the disk and keep both cores busy for minutes (a decompression bomb). So every
reader is told the file is not compressed, and a compressed file is recognised by its first
bytes, whatever its name: gzip is expanded here, in bounded chunks, and refused as soon as it
passes ``BUREAU_TRADE_MAX_EXPANDED_MB`` (the size the gzip trailer states is not trusted);
other compressions are refused with what to do instead.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from bureau.core.errors import ValidationFailed

CHUNK = 1 << 20
_GZIP = b"\x1f\x8b"
_OTHERS = {
    b"\x28\xb5\x2f\xfd": "zstd",
    b"PK\x03\x04": "zip",
    b"BZh": "bzip2",
    b"\xfd7zXZ": "xz",
}


def max_expanded_bytes() -> int:
    return int(settings.BUREAU_TRADE_MAX_EXPANDED_MB * 1024 * 1024)


def plain_file(path: Path, scratch: Path) -> Path:
    """``path`` itself when it is not compressed; else its expanded copy in ``scratch``."""
    with open(path, "rb") as handle:
        head = handle.read(6)
    for magic, name in _OTHERS.items():
        if head.startswith(magic):
            raise ValidationFailed.single(
                "file",
                _("is compressed with %(name)s: expand it first, or compress it with gzip")
                % {"name": name},
            )
    if not head.startswith(_GZIP):
        return path
    target = scratch / "expanded.csv"
    _expand(path, target, max_expanded_bytes())
    return target


def _expand(path: Path, target: Path, cap: int) -> None:
    written = 0
    try:
        with gzip.open(path, "rb") as source, open(target, "wb") as out:
            while chunk := source.read(CHUNK):  # never more than CHUNK bytes in memory
                written += len(chunk)
                if written > cap:
                    raise ValidationFailed.single(
                        "file",
                        _(
                            "expands to more than %(most)s MB when decompressed "
                            "(BUREAU_TRADE_MAX_EXPANDED_MB): split it, or import it "
                            "uncompressed from the command line"
                        )
                        % {"most": f"{cap / 1024 / 1024:,.0f}"},
                    )
                out.write(chunk)
    except (OSError, EOFError, zlib.error) as error:
        target.unlink(missing_ok=True)
        raise ValidationFailed.single(
            "file", _("is not a readable gzip file (%(error)s)") % {"error": error}
        ) from None
