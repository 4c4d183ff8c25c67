"""`bureau backup`, `--verify` and `bureau restore` as an operator runs them: real processes on
this run's database engine, archives checked, damaged and forged."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import stat
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.exchange.support import Node, generate
from tests.live.support import Store, seed, store_for_this_run
from tests.operations.support import (
    ITEMS_SQL,
    Target,
    add_files,
    bureau,
    bureau_fails,
    import_trade,
    manifest_of,
    query,
    target_for,
)


@dataclass
class Source:
    store: Store
    archive: Path
    root: Path
    public_key: str


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    root = tmp_path_factory.mktemp("backup")
    store = store_for_this_run(root / "home")
    try:
        seed(store, {"rice": {"hs_prefixes": ["10"]}})
        generate(Node("az-islamabad", store), 30, batch=10)
        import_trade(store, root)
        add_files(store)
        out = bureau(store, "backup", "--to", f"{root / 'archives'}/")
        archive = next((root / "archives").glob("bureau-az-islamabad-*.tar.gz"))
        assert str(archive) in out
        key = next(w for w in bureau(store, "node", "show").split() if w.startswith("ed25519:"))
        yield Source(store, archive, root, key)
    finally:
        store.drop()


@pytest.fixture
def target(source: Source, tmp_path: Path) -> Iterator[Target]:
    made = target_for(source.store, tmp_path / "restored")
    yield made
    made.store.drop()


def test_an_archive_holds_every_part_privately_and_verifies(source):
    assert stat.S_IMODE(source.archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(source.archive.parent.stat().st_mode) == 0o700
    manifest = manifest_of(source.archive)
    kinds = {part["kind"] for part in manifest["parts"]}
    names = {part["name"] for part in manifest["parts"]}
    assert {"node_key", "secret_key", "trade", "file"} <= kinds
    assert {"home/media/uploads/brochure.pdf", "home/mail/20260101-000000-1.log"} <= names
    assert "trade/manifest.json" in names and not any(".lock" in n for n in names)
    assert manifest["node"]["name"] == "az-islamabad"
    assert manifest["node"]["public_key"] == source.public_key
    assert manifest["database"]["migrations"]["delivery"][0] == "0001_initial"
    assert manifest["database"]["log_head"] >= 30
    if source.store.pg_name:
        assert not manifest["database"]["included"] and "database" not in kinds
        assert any("pg_dump" in note for note in manifest["not_included"])
    else:
        assert "database" in kinds
    with tarfile.open(source.archive, "r:gz") as tar:
        assert all(m.mode == 0o600 for m in tar.getmembers())
    out = bureau(source.store, "backup", "--verify", str(source.archive))
    assert "every part is intact" in out


def test_a_restore_brings_back_the_items_the_key_and_the_files(source, target):
    out = bureau(target.store, "restore", str(source.archive))
    assert source.public_key in out
    assert query(target.store, ITEMS_SQL) == query(source.store, ITEMS_SQL)
    home = Path(target.store.env["BUREAU_HOME"])
    assert (home / "media/uploads/brochure.pdf").read_bytes() == b"%PDF-1.4 a chamber brochure"
    assert stat.S_IMODE((home / "node_key").stat().st_mode) == 0o600
    shown = bureau(target.store, "node", "show")
    assert source.public_key in shown
    datasets = bureau(target.store, "trade", "datasets")
    assert datasets == bureau(source.store, "trade", "datasets")
    status = json.loads(bureau(target.store, "status", "--json"))
    assert status["ready"] and status["status"]["trade_datasets"] == 1


def test_a_home_that_is_not_empty_is_refused_and_left_alone(source):
    home = Path(source.store.env["BUREAU_HOME"])
    before = sorted(p.name for p in home.iterdir())
    said = bureau_fails(source.store, "restore", str(source.archive))
    assert "is not empty" in said and "nothing was changed" in said
    assert sorted(p.name for p in home.iterdir()) == before


def _flip_byte(archive: Path, into: Path) -> Path:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    into.write_bytes(bytes(data))
    return into


def test_a_damaged_archive_is_refused_by_verify_and_restore(source, target, tmp_path):
    damaged = _flip_byte(source.archive, tmp_path / "damaged.tar.gz")
    assert "damaged" in bureau_fails(source.store, "backup", "--verify", str(damaged))
    said = bureau_fails(target.store, "restore", str(damaged))
    assert "Not restored" in said and "damaged" in said
    home = Path(target.store.env["BUREAU_HOME"])
    assert not (home / "bureau.sqlite3").exists() and not (home / "node_key").exists()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(source.archive.read_bytes()[: source.archive.stat().st_size // 3])
    assert "Not restored" in bureau_fails(target.store, "restore", str(cut))


def _rewrite(archive: Path, into: Path, change) -> Path:
    """The same archive with its manifest changed (and its manifest's checksum made to fit)."""
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    manifest = json.loads(members[0][1])
    change(manifest)
    body = json.dumps(manifest).encode()
    out = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=out, mode="wb") as zipped,
        tarfile.open(fileobj=zipped, mode="w|") as tar,
    ):
        for member, data in members:
            if member.name == "manifest.json":
                data = body
            elif member.name == "manifest.sha256":
                data = hashlib.sha256(body).hexdigest().encode()
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    into.write_bytes(out.getvalue())
    return into


def test_an_archive_from_a_newer_version_is_refused(source, target, tmp_path):
    newer = _rewrite(
        source.archive,
        tmp_path / "newer.tar.gz",
        lambda m: m["database"]["migrations"]["delivery"].append("0099_from_the_future"),
    )
    said = bureau_fails(target.store, "restore", str(newer))
    assert "newer version of Bureau" in said and "delivery.0099_from_the_future" in said
    later = _rewrite(
        source.archive, tmp_path / "later.tar.gz", lambda m: m.update(bureau_version="99.0.0")
    )
    assert "Bureau 99.0.0, newer than this version" in bureau_fails(
        target.store, "restore", str(later)
    )
    future = _rewrite(source.archive, tmp_path / "future.tar.gz", lambda m: m.update(format=2))
    assert "archive format 2" in bureau_fails(target.store, "restore", str(future))
    assert not (Path(target.store.env["BUREAU_HOME"]) / "node_key").exists()


def test_a_sealed_archive_needs_its_key(source, tmp_path):
    sealed_env = {"BUREAU_BACKUP_KEY": "a long passphrase of the chamber"}
    out = bureau(source.store, "backup", "--to", f"{tmp_path / 'sealed'}/", env=sealed_env)
    assert "sealed with BUREAU_BACKUP_KEY" in out
    archive = next((tmp_path / "sealed").glob("*.tar.gz.enc"))
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    plain = archive.read_bytes()
    assert b"BEGIN PRIVATE KEY" not in plain and source.public_key.encode() not in plain
    assert "set BUREAU_BACKUP_KEY" in bureau_fails(source.store, "backup", "--verify", str(archive))
    wrong = {"BUREAU_BACKUP_KEY": "another passphrase"}
    assert "not the key" in bureau_fails(
        source.store, "backup", "--verify", str(archive), env=wrong
    )
    target = target_for(source.store, tmp_path / "restored")
    try:
        out = bureau(target.store, "restore", str(archive), env=sealed_env)
        assert source.public_key in out
        assert query(target.store, ITEMS_SQL) == query(source.store, ITEMS_SQL)
    finally:
        target.store.drop()


def test_keep_leaves_the_newest_archives_of_the_node(source, tmp_path):
    folder = tmp_path / "nightly"
    folder.mkdir()
    (folder / "bureau-az-islamabad-20200101T000000Z.tar.gz").write_bytes(b"old")
    (folder / "bureau-az-islamabad-20200102T000000Z.tar.gz").write_bytes(b"old")
    (folder / "bureau-pk-baku-20200101T000000Z.tar.gz").write_bytes(b"another node's")
    (folder / "notes.txt").write_text("kept")
    bureau(source.store, "backup", "--to", str(folder), "--keep", "2")
    out = bureau(source.store, "backup", "--to", str(folder), "--keep", "2")
    assert "Removed the older archive" in out
    names = sorted(p.name for p in folder.iterdir())
    ours = [n for n in names if n.startswith("bureau-az-islamabad-")]
    assert len(ours) == 2 and not any(n.startswith("bureau-az-islamabad-2020") for n in ours)
    assert "bureau-pk-baku-20200101T000000Z.tar.gz" in names and "notes.txt" in names
