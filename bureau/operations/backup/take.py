"""``bureau backup``: one archive of everything a node needs, taken while it serves."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import io
import os
import platform
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import BinaryIO

import django
from django.conf import settings
from django.utils import timezone

from bureau.exchange import identity
from bureau.exchange.log import head
from bureau.operations.backup import container, database, parts
from bureau.operations.backup.manifest import FORMAT, NAME, SUM_NAME, Manifest

ARCHIVE_NAME = re.compile(
    r"^bureau-(?P<node>.+)-(?P<at>\d{8}T\d{6}Z)(-(?P<n>\d+))?\.tar\.gz(\.enc)?$"
)
POSTGRES_NOTE = (
    "the PostgreSQL database {name}: back it up with pg_dump (or the server's own backups) "
    "at the same time, and restore it with pg_restore before `bureau restore`"
)


def bureau_version() -> str:
    return version("bureau")


def backup_dir() -> Path:
    return Path(settings.BUREAU_BACKUP_DIR or Path(settings.BUREAU_HOME) / "backups")


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest
    sealed: bool
    removed: list[Path] = field(default_factory=list)


def archive_name(node: str, at: dt.datetime, *, sealed: bool) -> str:
    return f"bureau-{node}-{at:%Y%m%dT%H%M%SZ}.tar.gz" + (".enc" if sealed else "")


def backup_create(
    *, to: Path | None = None, keep: int | None = None, into_folder: bool = False
) -> BackupResult:
    """Write an archive of this node (into ``to``: a file, or a folder for a dated name when
    it is one, ``into_folder`` is given or ``keep`` is) and,
    with ``keep``, remove all but the newest ``keep`` archives of this node in that folder.

    Sealed with BUREAU_BACKUP_KEY when it is set. The file is created 0600 and appears under
    its name only when complete.
    """
    passphrase = settings.BUREAU_BACKUP_KEY
    now = timezone.now().astimezone(dt.UTC)
    as_folder = into_folder or keep is not None
    folder, target = _destination(to, now, sealed=bool(passphrase), as_folder=as_folder)
    staging = Path(tempfile.mkdtemp(prefix=".bureau-backup-", dir=folder))
    try:
        staged = _stage(staging, folder)
        manifest = _manifest(now, staged, staging)
        _write(target, manifest, staged, passphrase)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    removed = prune(folder, node=settings.BUREAU_NODE_NAME, keep=keep) if keep else []
    return BackupResult(target, manifest, bool(passphrase), removed)


def _destination(
    to: Path | None, now: dt.datetime, *, sealed: bool, as_folder: bool
) -> tuple[Path, Path]:
    """(folder, file): ``to`` is a folder when it is one or ``as_folder`` says so."""
    if to is None or as_folder or to.is_dir():
        folder = to or backup_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = archive_name(settings.BUREAU_NODE_NAME, now, sealed=sealed)
        target, number = folder / name, 1
        while target.exists():
            target, number = folder / name.replace("Z.tar", f"Z-{number}.tar"), number + 1
        return folder, target
    to.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return to.parent, to


def _stage(staging: Path, folder: Path) -> list[parts.Staged]:
    staged = []
    if (db := parts.stage_database(staging)) is not None:
        staged.append(db)
    leave_out = [
        folder,
        backup_dir(),
        Path(settings.BUREAU_METRICS_DIR),
        Path(settings.BUREAU_TRADE_DIR),
        # Derived from the database: a node without it builds it again on the first search.
        Path(settings.BUREAU_SEARCH_INDEX_DIR),
    ]
    if database.engine() == "sqlite":
        leave_out.append(database.sqlite_path())
    staged += parts.stage_home(staging, leave_out=leave_out)
    staged += parts.stage_trade(staging)
    return staged


def _manifest(now: dt.datetime, staged: list[parts.Staged], staging: Path) -> Manifest:
    engine = database.engine()
    if engine == "sqlite":
        snapshot = staging / "database" / "bureau.sqlite3"
        migrations = database.migrations_in_file(snapshot)
        log_head = database.log_head_in_file(snapshot, settings.BUREAU_NODE_NAME)
    else:
        migrations, log_head = database.migrations_live(), head().last_seq
    not_included = []
    if engine != "sqlite":
        not_included.append(POSTGRES_NOTE.format(name=settings.DATABASES["default"]["NAME"]))
    if settings.BUREAU_NODE_KEY:
        not_included.append("the node key, which comes from BUREAU_NODE_KEY: keep it as safely")
    if os.environ.get("BUREAU_SECRET_KEY"):
        not_included.append("the secret key, which comes from BUREAU_SECRET_KEY")
    return Manifest(
        format=FORMAT,
        bureau_version=bureau_version(),
        created_at=now.isoformat(),
        node={
            "name": settings.BUREAU_NODE_NAME,
            "title": settings.BUREAU_NODE_TITLE,
            "country": settings.BUREAU_NODE_COUNTRY,
            "public_key": identity.public_key(),
            "key_source": "environment" if settings.BUREAU_NODE_KEY else "file",
        },
        database={
            "engine": engine,
            "included": engine == "sqlite",
            "migrations": migrations,
            "log_head": log_head,
        },
        versions={
            "python": platform.python_version(),
            "django": django.get_version(),
            "database": database.server_version(),
        },
        parts=[s.part for s in staged],
        not_included=not_included,
    )


def _write(target: Path, manifest: Manifest, staged: list[parts.Staged], passphrase: str) -> None:
    partial = target.with_name(f".bureau-{target.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            os.fchmod(raw.fileno(), 0o600)
            _write_tar(raw, manifest, staged, passphrase)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    _fsync_dir(target.parent)


def _write_tar(
    raw: BinaryIO, manifest: Manifest, staged: list[parts.Staged], passphrase: str
) -> None:
    sealer = container.SealingWriter(raw, passphrase) if passphrase else None
    out: BinaryIO = sealer if sealer is not None else raw  # type: ignore[assignment]
    body = manifest.to_bytes()
    with (
        gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6, mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w|") as tar,
    ):
        _add_bytes(tar, NAME, body)
        for item in staged:
            with item.path.open("rb") as handle:
                tar.addfile(_info(item.part.name, item.part.size), handle)
        _add_bytes(tar, SUM_NAME, hashlib.sha256(body).hexdigest().encode() + b"\n")
    if sealer is not None:
        sealer.finish()


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(timezone.now().timestamp())
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_info(name, len(data)), io.BytesIO(data))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def archives(folder: Path, *, node: str) -> list[Path]:
    """This node's complete archives in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = ARCHIVE_NAME.match(path.name)
        if match and match["node"] == node and path.is_file():
            found.append(((match["at"], int(match["n"] or 0)), path))
    return [path for _, path in sorted(found)]


def prune(folder: Path, *, node: str, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` archives of ``node`` in ``folder``."""
    old = archives(folder, node=node)[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old
