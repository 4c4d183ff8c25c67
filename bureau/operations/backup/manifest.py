"""The manifest: what an archive holds and what made it, read first by verify and restore.

``manifest.json`` is the archive's first member; ``manifest.sha256`` (its last) holds the
manifest's SHA-256, so a damaged manifest is caught like a damaged part.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT = 1
NAME = "manifest.json"
SUM_NAME = "manifest.sha256"
MAX_BYTES = 4 << 20
# Where a part goes: the database file, a file of BUREAU_HOME, a file of BUREAU_TRADE_DIR.
AREAS = ("database", "home", "trade")
_SEGMENT = re.compile(r"^[^/\x00]+$")


class Refused(Exception):
    """An archive that cannot be read or restored here; the message says why and what to do."""


@dataclass(frozen=True)
class Part:
    name: str  # inside the archive: "<area>/<relative path>"
    kind: str  # database | sqlite | node_key | secret_key | trade | file
    size: int
    sha256: str

    @property
    def area(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def relative(self) -> str:
        return self.name.split("/", 1)[1]


@dataclass
class Manifest:
    format: int
    bureau_version: str
    created_at: str
    node: dict[str, str]  # name, title, country, public_key, key_source
    database: dict[str, Any]  # engine, included, migrations {app: [names]}, log_head, name
    versions: dict[str, str]
    parts: list[Part] = field(default_factory=list)
    not_included: list[str] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False, sort_keys=True).encode()

    def part(self, kind: str) -> Part | None:
        return next((p for p in self.parts if p.kind == kind), None)

    @property
    def total_size(self) -> int:
        return sum(p.size for p in self.parts)


def safe_part_name(name: str) -> bool:
    """An archive path that stays inside its area: no absolute path, no '..', no empty step."""
    area, _, rest = name.partition("/")
    if area not in AREAS or not rest:
        return False
    return all(_SEGMENT.match(s) and s not in (".", "..") for s in rest.split("/"))


def parse(raw: bytes) -> Manifest:
    """Read a manifest; raises Refused naming what is wrong with it."""
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data.get("format"), int):
            raise ValueError("no format number")
        if data["format"] > FORMAT:
            raise Refused(
                f"the archive was made by a newer version of Bureau (archive format "
                f"{data['format']}; this version reads format {FORMAT}): install that version "
                "or a newer one to restore it"
            )
        parts = [Part(**p) for p in data.pop("parts")]
        manifest = Manifest(parts=parts, **data)
    except Refused:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise Refused(f"the archive is damaged: its manifest cannot be read ({error})") from None
    bad = [p.name for p in manifest.parts if not safe_part_name(p.name)]
    if bad or len({p.name for p in manifest.parts}) != len(manifest.parts):
        raise Refused(f"the archive is damaged: its manifest lists unsafe or repeated parts {bad}")
    return manifest


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text)[:3])


def check_not_newer(manifest: Manifest, *, version: str, known: dict[str, set[str]]) -> None:
    """Refuse an archive from a newer Bureau: a higher version, or migrations this code lacks."""
    if _version_tuple(manifest.bureau_version) > _version_tuple(version):
        raise Refused(
            f"the archive was made by Bureau {manifest.bureau_version}, newer than this "
            f"version ({version}): install Bureau {manifest.bureau_version} or newer to restore it"
        )
    unknown = [
        f"{app}.{name}"
        for app, names in sorted(manifest.database.get("migrations", {}).items())
        for name in names
        if name not in known.get(app, set())
    ]
    if unknown:
        raise Refused(
            "the archive was made by a newer version of Bureau: its database has migrations "
            f"this version does not know ({', '.join(unknown[:5])}); install that version first"
        )
