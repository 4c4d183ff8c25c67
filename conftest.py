"""Fixtures shared by every test: reference data, the two chambers, people in each role."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from bureau.accounts.models import Organisation, User
from bureau.accounts.services import organisation_create, token_create, user_create
from bureau.catalog import services
from bureau.catalog.models import Item
from bureau.reference.loaders import load_rates
from tests.samples import lead_data

PASSWORD = "correct-horse-battery"

# Property tests check results, never speed: on a shared, loaded machine an example may take
# seconds, which must not fail a test whose property holds.
hypothesis_settings.register_profile(
    "bureau", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("bureau")


def _shared_data() -> Path:
    """The public data sets: BUREAU_TEST_DATA, or the shared/data folder beside the checkout."""
    repo = Path(__file__).resolve().parent
    candidates = [
        os.environ.get("BUREAU_TEST_DATA", ""),
        str(repo.parent / "shared" / "data"),
        "/work/shared/data",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "wits-trade-summary").is_dir():
            return Path(candidate)
    raise RuntimeError("the public data sets are missing: set BUREAU_TEST_DATA to shared/data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return _shared_data()


@pytest.fixture(autouse=True)
def trade_dir(tmp_path: Path, settings: Any) -> Path:
    """Every test starts from an empty trade statistics store of its own."""
    settings.BUREAU_TRADE_DIR = tmp_path / "trade"
    return Path(settings.BUREAU_TRADE_DIR)


@pytest.fixture(autouse=True)
def search_index_dir(tmp_path: Path, settings: Any) -> Path:
    """Every test starts from a search index of its own (built from its database when used)."""
    settings.BUREAU_SEARCH_INDEX_DIR = tmp_path / "search-index"
    return Path(settings.BUREAU_SEARCH_INDEX_DIR)


@pytest.fixture(autouse=True)
def _isolated_cache_and_fast_passwords(settings: Any) -> Any:
    """Rate-limit counters and cached facets must not leak between tests; hashing need not be slow."""
    from django.core.cache import cache

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_again_after_each_test() -> Any:
    """A request in Azerbaijani or Urdu leaves its language active on the thread; the next test
    must not read its messages in that language."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _rates(request: pytest.FixtureRequest) -> None:
    """Tests that use the database get the recorded exchange rates; pure tests stay database-free."""
    names = set(request.fixturenames)
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    load_rates()


@pytest.fixture
def chamber_az(db: Any) -> Organisation:
    return organisation_create(
        actor=None,
        data={
            "name": "Azerbaijan Chamber of Commerce in Islamabad",
            "kind": "chamber",
            "country": "AZ",
            "city": "Islamabad",
        },
    )


@pytest.fixture
def chamber_pk(db: Any) -> Organisation:
    return organisation_create(
        actor=None,
        data={
            "name": "Pakistan Chamber of Commerce in Baku",
            "kind": "chamber",
            "country": "PK",
            "city": "Baku",
        },
    )


@pytest.fixture
def company(chamber_az: Organisation) -> Organisation:
    return organisation_create(
        actor=None,
        data={"name": "Punjab Rice Exporters", "kind": "company", "country": "PK"},
        chamber=chamber_az,
    )


@pytest.fixture
def staff_az(chamber_az: Organisation) -> User:
    return user_create(
        email="staff@az.example", password=PASSWORD, organisation=chamber_az, role="staff"
    )


@pytest.fixture
def staff_pk(chamber_pk: Organisation) -> User:
    return user_create(
        email="staff@pk.example", password=PASSWORD, organisation=chamber_pk, role="staff"
    )


@pytest.fixture
def member(company: Organisation) -> User:
    return user_create(
        email="trader@rice.example", password=PASSWORD, organisation=company, role="member"
    )


@pytest.fixture
def admin_user(db: Any) -> User:
    return user_create(
        email="admin@node.example", password=PASSWORD, organisation=None, role="admin"
    )


@pytest.fixture
def token_for() -> Callable[[User], str]:
    return lambda user: token_create(user=user)


@pytest.fixture
def make_item(member: User, staff_az: User) -> Callable[..., Item]:
    """Create an item (a lead by default) as ``member``; ``publish=True`` has staff publish it."""

    def make(publish: bool = False, actor: User | None = None, **overrides: Any) -> Item:
        item = services.item_create(actor=actor or member, data=lead_data(**overrides))
        if publish:
            item = services.item_publish(actor=staff_az, item=item)
        return item

    return make


@pytest.fixture
def lapse() -> Callable[[Item], Item]:
    """Let an item's valid-until date pass, as time would (entry refuses a date in the past)."""
    import datetime as dt

    from django.utils import timezone

    def lapse(item: Item) -> Item:
        Item.objects.filter(pk=item.pk).update(
            valid_until=timezone.localdate() - dt.timedelta(days=1)
        )
        item.refresh_from_db()
        return item

    return lapse
