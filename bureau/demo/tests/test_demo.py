"""The demo: cited content loaded once through the services, accounts with private passwords."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django.test import Client

from bureau.accounts.models import Organisation, User
from bureau.catalog.models import (
    AgreementExtension,
    Item,
    ItemFacet,
    ItemTransition,
    Kind,
    Status,
)
from bureau.catalog.selectors import ItemFilters, item_list
from bureau.demo import content
from bureau.demo.loader import ACCOUNTS_FILE_NAME, demo_load, read_accounts_file
from bureau.exchange.models import LogEvent

pytestmark = pytest.mark.django_db

BUREAU = Path(sys.executable).parent / "bureau"  # the console script of this virtualenv
ITEM_UIDS = [uuid.UUID(record["uid"]) for record in content.ITEMS]
ORGANISATION_UIDS = [uuid.UUID(record["uid"]) for record in content.ORGANISATIONS]
ALONE = "az-standalone"  # a node that is neither of the demo's two: it loads everything


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    settings.BUREAU_HOME = tmp_path
    settings.BUREAU_NODE_NAME = ALONE
    return tmp_path


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Organisation, User, Item, ItemFacet, ItemTransition, AgreementExtension)
    }


def _demo_items() -> list[Item]:
    return list(Item.objects.filter(uid__in=ITEM_UIDS))


def test_loading_twice_changes_nothing_the_second_time(home: Path) -> None:
    first = demo_load()
    counts = _counts()
    second = demo_load()
    assert (first.organisations_created, first.items_created) == (
        len(content.ORGANISATIONS),
        len(content.ITEMS),
    )
    assert len(first.accounts_created) == len(content.ACCOUNTS)
    assert (second.organisations_created, second.items_created, second.accounts_created) == (
        0,
        0,
        [],
    )
    assert _counts() == counts
    assert second.credentials == first.credentials


def test_every_demo_item_and_organisation_is_published_and_cites_its_source(home: Path) -> None:
    demo_load()
    items = _demo_items()
    assert len(items) == len(content.ITEMS)
    for item in items:
        assert item.source_title.strip(), item.title
        assert item.status == Status.PUBLISHED and item.published_at is not None
        assert item.countries and item.sectors, item.title
    organisations = Organisation.objects.filter(uid__in=ORGANISATION_UIDS)
    assert organisations.count() == len(content.ORGANISATIONS)
    assert all(o.source_title.strip() for o in organisations)
    assert {k for k, _label in Kind.choices} == {item.kind for item in items}  # every kind


@pytest.mark.parametrize("node", [content.ISLAMABAD, content.BAKU])
def test_each_chamber_node_loads_only_what_its_chamber_holds(
    settings: Any, tmp_path: Path, node: str
) -> None:
    settings.BUREAU_HOME, settings.BUREAU_NODE_NAME = tmp_path, node
    result = demo_load()
    chamber = content.NODE_CHAMBERS[node]
    items = _demo_items()
    assert result.items_created == len(items) > 0
    assert all(content.chamber_of(item.organisation.slug) == chamber for item in items)
    organisations = Organisation.objects.filter(uid__in=ORGANISATION_UIDS)
    assert {content.chamber_of(o.slug) for o in organisations} == {chamber}
    emails = {c.email for c in result.credentials}
    assert {"admin@bureau.demo", f"staff@{chamber[:2]}-chamber.demo"} <= emails


def test_the_two_nodes_split_the_demo_between_them_without_overlap() -> None:
    islamabad = {r["uid"] for r in content.items_for(content.ISLAMABAD)}
    baku = {r["uid"] for r in content.items_for(content.BAKU)}
    assert islamabad and baku and not islamabad & baku
    assert islamabad | baku == {r["uid"] for r in content.ITEMS}
    slugs = [{r["slug"] for r in content.organisations_for(n)} for n in content.NODE_CHAMBERS]
    assert not slugs[0] & slugs[1] and slugs[0] | slugs[1] == {
        r["slug"] for r in content.ORGANISATIONS
    }


def test_the_chamber_verifies_socar_through_the_service_on_a_cited_fact(
    settings: Any, tmp_path: Path
) -> None:
    settings.BUREAU_HOME, settings.BUREAU_NODE_NAME = tmp_path, content.ISLAMABAD
    assert demo_load().verified == [content.SOCAR]
    socar = Organisation.objects.get(slug=content.SOCAR)
    assert socar.is_verified and socar.verified_by is not None
    assert socar.verified_by.email == "staff@az-chamber.demo"
    assert socar.source_title == content.VISIT_REPORT  # the fact the check rests on
    (verification,) = content.VERIFICATIONS
    assert "state oil company" in verification.checked and "visit to Baku" in verification.checked
    record = socar.verifications.get()  # the verification history keeps what was checked
    assert record.checked == verification.checked and record.chamber is not None
    assert record.chamber.slug == content.AZ_CHAMBER
    # Announced at the seam: the exchange logged it for the other node.
    assert LogEvent.objects.filter(type="organisation.verified").count() == 1
    assert demo_load().verified == []  # once
    unverified = Organisation.objects.filter(uid__in=ORGANISATION_UIDS, verified_at__isnull=True)
    assert unverified.count() == len(content.organisations_for(content.ISLAMABAD)) - 1


def test_the_baku_node_publishes_a_cited_tender(settings: Any, tmp_path: Path) -> None:
    settings.BUREAU_HOME, settings.BUREAU_NODE_NAME = tmp_path, content.BAKU
    demo_load()
    tender = Item.objects.get(kind=Kind.TENDER)
    assert tender.status == Status.PUBLISHED and tender.tender.buyer.startswith("Pakistan LNG")
    assert tender.source_url == content.TENDER_2020_URL and tender.hs_codes == ["271111"]


def test_seed_facts_are_recorded_with_their_details_and_no_invented_dates(home: Path) -> None:
    demo_load()
    framework = Item.objects.get(uid="473cb534-fea2-4a0e-9048-6f14991627ac")
    assert framework.agreement.agreement_type == "framework"
    assert framework.hs_codes == ["271111"]
    extension = framework.agreement.extensions.get()
    assert "two more years" in extension.note
    assert extension.agreed_on is None and extension.new_expires_on is None
    assert framework.agreement.signed_on is None and framework.agreement.expires_on is None

    target = Item.objects.get(uid="54f58da2-3a1a-4103-b4d0-b3dcf95ee95a")
    assert target.agreement.agreement_type == "target"
    assert target.value_usd == 2_000_000_000

    pledge = Item.objects.get(kind=Kind.OPPORTUNITY, uid__in=ITEM_UIDS)
    assert (pledge.opportunity.sector, pledge.opportunity.stage) == ("energy", "idea")
    assert pledge.sectors == ["energy", "infrastructure"] and pledge.value_usd == 2_000_000_000

    figures = Item.objects.get(uid="b81f00ce-57f3-453d-8f37-0be5ea101ffa")
    assert figures.source_url == "https://en.trend.az/business/3737039.html"
    assert "28.1" in figures.title and "27" in figures.title


def test_example_leads_are_flagged_and_titled_as_examples(home: Path) -> None:
    demo_load()
    examples = [item for item in _demo_items() if item.is_example]
    assert len(examples) >= 2
    for item in examples:
        assert item.kind == Kind.LEAD and item.title.startswith("Example:")
        assert item.organisation.name.startswith("Example")
    assert {item.lead.side for item in examples} == {"sell", "buy"}
    real = [item for item in _demo_items() if not item.is_example]
    assert real and not any(item.title.startswith("Example") for item in real)


def test_demo_items_are_found_by_search_and_facets(home: Path) -> None:
    demo_load()
    lng = {item.uid for item in item_list(ItemFilters.parse({"q": "LNG"}))}
    assert {
        uuid.UUID("473cb534-fea2-4a0e-9048-6f14991627ac"),
        uuid.UUID("7275a7e6-4706-434d-be65-468a79bb3248"),
        uuid.UUID("40d69b07-4c2c-458d-9971-45c58d0b0a1f"),
    } <= lng
    rice = list(item_list(ItemFilters.parse({"hs": "1006"})))
    assert len(rice) == 2 and all(item.is_example for item in rice)


def test_passwords_are_generated_private_and_work(home: Path, client: Client) -> None:
    result = demo_load()
    path = home / ACCOUNTS_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = read_accounts_file(path)
    assert {c.email for c in result.credentials} == {a.email for a in content.ACCOUNTS}
    for credential in result.credentials:
        assert len(credential.password) >= 16
        assert stored[credential.email] == (credential.role, credential.password)
        assert client.login(email=credential.email, password=credential.password)
    staff = User.objects.get(email="staff@pk-chamber.demo")
    assert staff.is_chamber_staff
    assert staff.organisation is not None and staff.organisation.slug == content.PK_CHAMBER


def test_demo_passwords_are_in_no_repository_file(home: Path) -> None:
    passwords = [c.password for c in demo_load().credentials]
    assert passwords and all(passwords)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    files = [django_settings.BASE_DIR / name.decode() for name in listed if name]
    assert Path(content.__file__) in files
    for path in files:
        if path.is_file():
            data = path.read_bytes()
            assert not any(p.encode() in data for p in passwords), path


def test_an_existing_admin_is_kept_instead_of_the_demo_admin(home: Path, admin_user: User) -> None:
    result = demo_load()
    assert not User.objects.filter(email="admin@bureau.demo").exists()
    assert result.other_admins == [admin_user.email]
    assert "admin@bureau.demo" not in read_accounts_file(home / ACCOUNTS_FILE_NAME)


def test_a_failed_load_writes_nothing(settings: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.BUREAU_HOME = blocker  # the accounts file cannot be written under a file
    before = _counts()
    with pytest.raises(OSError):
        demo_load()
    assert _counts() == before


def _clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any bureau, database or Django setting."""
    dropped = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUREAU_") and k not in dropped}
    return {**env, **extra}


def test_bureau_demo_command_loads_and_prints_the_accounts(tmp_path: Path) -> None:
    env = _clean_env(BUREAU_HOME=str(tmp_path))  # the default node: az-islamabad
    run = [str(BUREAU), "demo", "--no-serve"]
    first = subprocess.run(run, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    stored = read_accounts_file(tmp_path / ACCOUNTS_FILE_NAME)
    assert set(stored) == {a.email for a in content.accounts_for(content.ISLAMABAD)}
    for email, (_role, password) in stored.items():
        assert any(email in line and password in line for line in first.stdout.splitlines())
    count = len(content.items_for(content.ISLAMABAD))
    assert f"{count} items ({count} new)" in first.stdout

    second = subprocess.run(run, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"{count} items (0 new)" in second.stdout
    assert all(password in second.stdout for _role, password in stored.values())
    assert read_accounts_file(tmp_path / ACCOUNTS_FILE_NAME) == stored


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_bureau_demo_serves_the_home_page_with_nothing_configured(tmp_path: Path) -> None:
    port = _free_port()
    log = (tmp_path / "demo.log").open("w")
    # No BUREAU_HOME either: the bureau keeps its data in ./var of the working folder.
    server = subprocess.Popen(
        [str(BUREAU), "demo", "--port", str(port)],
        cwd=tmp_path,
        env=_clean_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        status = _poll(f"http://127.0.0.1:{port}/", server, deadline=time.monotonic() + 60)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    assert status == 200, (tmp_path / "demo.log").read_text()
    assert (tmp_path / "var" / ACCOUNTS_FILE_NAME).exists()


def _poll(url: str, server: subprocess.Popen[bytes], *, deadline: float) -> int | None:
    """The first status the server answers with, or None if it exits or never answers."""
    while time.monotonic() < deadline and server.poll() is None:
        try:
            return httpx.get(url, timeout=5).status_code
        except httpx.TransportError:
            time.sleep(0.5)
    return None
