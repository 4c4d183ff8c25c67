"""The search index (Tantivy) answers what the database's full-text search answers, never shows
an item that is not published, and catches up after a process dies between commit and index."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from bureau.catalog import index
from bureau.catalog.models import SearchQueue
from bureau.catalog.selectors import ItemFilters, item_list, item_search

REPO = Path(__file__).resolve().parents[3]


def found(**params: Any) -> list[str]:
    filters = ItemFilters.parse(params)
    assert index.serves(filters), params
    page, _count, _capped = item_search(filters, offset=0, limit=20)
    return [i.title for i in page]


def from_database(**params: Any) -> list[str]:
    return [i.title for i in item_list(ItemFilters.parse(params))]


def test_the_index_finds_what_the_database_finds(make_item):
    make_item(
        publish=True, title="Café equipment for Ganja", hs_code="841981", product="Coffee machines"
    )
    make_item(publish=True, title="Basmati rice for Baku")
    make_item(publish=True, title="Two LNG cargoes a month", hs_code="271111", product="LNG")
    make_item(publish=True, title="Supply contracts for textile mills", product="Cotton")
    make_item(publish=True, title="Home textiles wanted", product="Towels", hs_code="630260")
    make_item(publish=True, title="Gəncə şirkətləri üçün on ton düyü", product="Düyü")
    make_item(publish=True, title="پاکستان سے چاول کی برآمد", product="Rice", language="ur")
    make_item(publish=True, title="Rice by sea", destination_place="Baku", origin_place="Karachi")
    make_item(title="Draft rice lead")
    queries = [
        {"q": "CAFE ganja"},  # case and accents
        {"q": "rice"},
        {"q": "rice ganja"},
        {"q": "cargo"},  # English word forms
        {"q": "cargoes"},
        {"q": "contract"},
        {"q": "textile"},
        {"q": "textiles"},
        {"q": "şirkətləri"},  # Azerbaijani, with its letters
        {"q": "sirketleri"},  # and typed without them
        {"q": "duyu GƏNCƏ"},
        {"q": "on ton"},  # 'on' is an English stop word, kept
        {"q": "چاول"},  # Urdu
        {"q": "برآمد پاکستان"},
        {"q": "rice 1006"},  # a word and an HS code: both
        {"q": "rice 10.06"},
        {"q": "rice 2711"},
        {"q": "rice PKKHI"},  # a word and a place code
        {"q": "rice Pakistan"},  # and a country's name
        {"q": 'rice" * ( NEAR'},  # query syntax is words
        {"q": "rice", "hs": "10"},  # facets
        {"q": "rice", "kind": "lead"},
        {"q": "rice", "kind": "tender"},
        {"q": "rice", "country": "AZ"},
        {"q": "rice", "value_max": "1"},
    ]
    for params in queries:
        assert sorted(found(**params)) == sorted(from_database(**params)), params
    assert found(q="cargo") == ["Two LNG cargoes a month"]
    assert found(q="sirketleri") == ["Gəncə şirkətləri üçün on ton düyü"]
    assert found(q="برآمد پاکستان") == ["پاکستان سے چاول کی برآمد"]
    assert "Draft rice lead" not in found(q="rice")


def test_a_count_stops_at_the_cap_and_pages_follow_the_ranking(make_item, settings):
    make_item(publish=True, title="Rice rice rice", summary="rice")
    make_item(publish=True, title="Rice once", summary="grain")
    filters = ItemFilters.parse({"q": "rice"})
    first, count, capped = item_search(filters, offset=0, limit=1)
    second, _, _ = item_search(filters, offset=1, limit=1)
    assert (count, capped) == (2, False)
    assert [i.title for i in first + second] == ["Rice rice rice", "Rice once"]


def test_the_index_never_shows_a_withdrawn_or_draft_item(make_item, staff_az):
    from bureau.catalog import services

    item = make_item(publish=True, title="Cotton yarn from Multan")
    assert found(q="cotton yarn") == ["Cotton yarn from Multan"]
    services.item_withdraw(actor=staff_az, item=item, note="sold")
    assert found(q="cotton yarn") == []
    assert index.find(ItemFilters.parse({"q": "cotton yarn"}), offset=0, limit=20).count == 0
    draft = make_item(title="Cotton yarn, second lot")
    assert found(q="cotton yarn") == []
    services.item_update(actor=staff_az, item=draft, data={"title": "Cotton yarn, third lot"})
    assert found(q="cotton yarn") == []


def test_a_stale_index_still_shows_no_withdrawn_item(make_item, staff_az):
    """Even with the index behind (its sync skipped), the page is read with status=published."""
    from bureau.catalog.models import Item, Status

    item = make_item(publish=True, title="Cement for Baku")
    assert found(q="cement baku") == ["Cement for Baku"]
    Item.objects.filter(pk=item.pk).update(status=Status.WITHDRAWN)
    SearchQueue.objects.all().delete()  # as if the trigger's row were lost
    assert index.find(ItemFilters.parse({"q": "cement baku"}), offset=0, limit=20).count == 1
    assert found(q="cement baku") == []


def test_the_database_answers_when_the_setting_says_so(make_item, settings):
    make_item(publish=True, title="Basmati rice for Baku")
    settings.BUREAU_SEARCH = "database"
    filters = ItemFilters.parse({"q": "rice"})
    assert not index.serves(filters)
    page, count, _ = item_search(filters, offset=0, limit=20)
    assert ([i.title for i in page], count) == (["Basmati rice for Baku"], 1)
    assert not (Path(settings.BUREAU_SEARCH_INDEX_DIR) / index.READY).exists()


# --- a process killed after its commit, before the index was updated ---------------------------

CHILD = """
import os, signal, sys
import django
django.setup()
from django.db import transaction
from bureau.accounts.models import User
from bureau.catalog import services
from bureau.catalog.models import Item
from tests.samples import lead_data

action, ident = sys.argv[1], sys.argv[2]
staff = User.objects.get(email=os.environ["STAFF_EMAIL"])
with transaction.atomic():
    # Runs first of the after-commit callbacks, so the process dies after the commit and
    # before the index's own callback.
    transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
    if action == "withdraw":
        services.item_withdraw(actor=staff, item=Item.objects.get(pk=int(ident)), note="gone")
    else:
        item = services.item_create(actor=staff, data=lead_data(title=ident))
        services.item_publish(actor=staff, item=item)
"""


def _child_env(search_index_dir: Path) -> dict[str, str]:
    settings_dict = connection.settings_dict
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["BUREAU_SEARCH_INDEX_DIR"] = str(search_index_dir)
    env["PYTHONPATH"] = str(REPO)
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["DATABASE_URL"] = f"sqlite:///{settings_dict['NAME']}"
    else:
        user, host, port = settings_dict["USER"], settings_dict["HOST"], settings_dict["PORT"]
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"
    return env


def _run_and_die(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHILD), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -9, done.stderr[-3000:]


@pytest.mark.django_db(transaction=True)
def test_the_index_catches_up_after_a_crash_between_commit_and_index(
    make_item, staff_az, search_index_dir
):
    item = make_item(publish=True, title="Sesame seeds from Sialkot")
    assert found(q="sesame seeds") == ["Sesame seeds from Sialkot"]  # the index is built
    env = {**_child_env(search_index_dir), "STAFF_EMAIL": staff_az.email}

    _run_and_die(env, "withdraw", str(item.pk))
    assert SearchQueue.objects.filter(item_id=item.pk).exists()  # the index has not heard
    assert index.find(ItemFilters.parse({"q": "sesame seeds"}), offset=0, limit=20).count == 0

    _run_and_die(env, "publish", "Sesame oil from Ganja")
    assert SearchQueue.objects.exists()
    filters = ItemFilters.parse({"q": "sesame oil"})
    assert index.find(filters, offset=0, limit=20).count == 1
    assert found(q="sesame oil") == ["Sesame oil from Ganja"]
    assert not SearchQueue.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_page_read_back_with_the_queue_check_catches_up_after_a_crash(
    make_item, staff_az, search_index_dir
):
    """``item_search_ids`` searches first and reads the queue in the query that reads the page
    back: a change the index has not heard of is still found, and a withdrawal still hides."""
    from bureau.catalog.selectors import item_search_ids

    def ids(q: str) -> list[int]:
        found = item_search_ids(ItemFilters.parse({"q": q}), offset=0, limit=20)
        assert found is not None
        return [pk for pk, _version in found[0]]

    item = make_item(publish=True, title="Saffron from Baku")
    assert ids("saffron") == [item.pk]
    env = {**_child_env(search_index_dir), "STAFF_EMAIL": staff_az.email}
    _run_and_die(env, "publish", "Saffron threads from Quba")
    assert SearchQueue.objects.exists()
    assert len(ids("saffron")) == 2  # the queue was seen in the read-back: synced, searched again
    assert not SearchQueue.objects.exists()
    _run_and_die(env, "withdraw", str(item.pk))
    assert item.pk not in ids("saffron")


def test_a_commit_to_the_index_after_a_search_is_seen(make_item, staff_az):
    """A sync commits the index before it empties the queue, so a search that finds the queue
    empty must also know whether the index moved since it searched."""
    make_item(publish=True, title="Pistachios from Gilgit")
    filters = ItemFilters.parse({"q": "pistachios"})
    found = index.find(filters, offset=0, limit=20, queue_checked=False)
    assert found.count == 1
    assert not index.committed_since(found)
    make_item(publish=True, title="Pistachio paste from Ganja")
    assert not index.committed_since(found)  # queued, not yet indexed
    index.sync()  # as another process's sync would, between the search and the read-back
    assert index.committed_since(found)
    assert index.find(filters, offset=0, limit=20, queue_checked=False).count == 2


def test_the_api_page_from_the_index_and_cache_equals_the_databases(make_item, staff_az, settings):
    import json

    from django.test import Client

    from bureau.catalog import services

    make_item(publish=True, title="Basmati rice for Baku", summary="Rice, 500 t")
    other = make_item(publish=True, title="Rice bran oil", hs_code="150600", product="Oil")
    make_item(title="Draft rice lead")
    client = Client()

    def page(**params: str) -> dict[str, Any]:
        answer = client.get("/api/v1/items", {"q": "rice", **params})
        assert answer.status_code == 200
        return json.loads(answer.content)

    from_index, again = page(), page()  # rendered, then from the cache
    assert from_index == again
    settings.BUREAU_SEARCH = "database"
    from_db = page()
    settings.BUREAU_SEARCH = "index"
    assert (from_index["count"], from_index["count_is_capped"]) == (2, False)
    by_id = {i["id"]: i for i in from_db["items"]}
    assert {i["id"]: i for i in from_index["items"]} == by_id
    assert page(offset="1", limit="1")["items"] == [from_index["items"][1]]

    services.item_update(actor=staff_az, item=other, data={"title": "Rice husk oil"})
    assert "Rice husk oil" in [i["title"] for i in page()["items"]]
    services.item_withdraw(actor=staff_az, item=other, note="gone")
    assert [i["title"] for i in page()["items"]] == ["Basmati rice for Baku"]


def test_syncs_held_brings_the_index_up_to_date_once_at_the_end(
    make_item, django_capture_on_commit_callbacks
):
    """A run of commits (a catch-up's pages) syncs the index once, after the last of them."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks, index.syncs_held():
        make_item(publish=True, title="Sesame seeds from Sialkot")
        make_item(publish=True, title="Sesame oil from Ganja")
    assert callbacks.count(index._sync_quietly) == 1
    assert not SearchQueue.objects.exists()
    filters = ItemFilters.parse({"q": "sesame"})
    assert index.find(filters, offset=0, limit=20).count == 2

    with django_capture_on_commit_callbacks() as callbacks:  # not held: once a change
        make_item(publish=True, title="Sesame paste")
        make_item(publish=True, title="Sesame bars")
    assert callbacks.count(index._sync_quietly) == 2


@pytest.mark.django_db(transaction=True)
def test_a_held_sync_is_left_to_the_workers_thread_when_it_runs(make_item):
    """A catch-up's one sync may index a hundred thousand items: where the worker runs, its
    search-index thread does it, and the thread that pulled is free for the next pull."""

    def worker_round(wait_seconds: float) -> None:
        try:
            index.background_round(wait_seconds)
        finally:
            connection.close()  # the thread's own connection

    # The worker's thread after a round that nobody woke, before its next one.
    between_rounds, go_on = threading.Event(), threading.Event()

    def one_round_then_wait() -> None:
        worker_round(0.01)
        between_rounds.set()
        go_on.wait(10)

    syncer = threading.Thread(target=one_round_then_wait)
    syncer.start()
    try:
        between_rounds.wait(10)
        assert index._syncer_alive()
        with index.syncs_held():
            make_item(publish=True, title="Sesame seeds from Sialkot")
        # This thread did not sync; the worker's thread was woken to.
        assert SearchQueue.objects.exists()
        assert index._wake.is_set()
    finally:
        go_on.set()
        syncer.join()
    next_round = threading.Thread(target=worker_round, args=(0.5,))
    next_round.start()
    next_round.join()
    assert not SearchQueue.objects.exists()
    filters = ItemFilters.parse({"q": "sesame"})
    assert index.find(filters, offset=0, limit=20, queue_checked=False).count == 1
    # With that thread gone, a held sync is done in place again.
    assert not index._syncer_alive()
    with index.syncs_held():
        make_item(publish=True, title="Sesame oil from Ganja")
    assert not SearchQueue.objects.exists()
