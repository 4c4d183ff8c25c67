"""The short way in for anonymous item reads (``bureau.catalog.reads.ItemReads``): it answers
only a published item's current version, with the same bytes and security headers as Django,
under the same rate limit, and never an item that changed, went back to draft or was withdrawn.

The WSGI application under test is ``config.wsgi.application`` itself, served over real HTTP by a
threaded server in this process, or asked directly for its answer to a request's environ."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from bureau.catalog import reads, services
from bureau.catalog.models import Item

API = "/api/v1"
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture(autouse=True)
def _no_copies_from_earlier_tests() -> Iterator[None]:
    reads._local.clear()
    yield
    reads._local.clear()


@pytest.fixture
def wsgi() -> Any:
    from config.wsgi import application

    return application


@pytest.fixture
def served(wsgi: Any) -> Iterator[str]:
    """``config.wsgi.application`` on a free port, one thread per request."""

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, wsgi, server_class=Server, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def short_answer(wsgi: Any, path: str, **headers: str) -> Any:
    """What the short way answers for GET ``path`` (None: it hands the request to Django)."""
    environ = RequestFactory().get(path).environ
    environ.update(headers)
    return wsgi.answer(environ)


def test_a_cached_published_item_is_answered_as_django_answers_it(make_item, wsgi):
    item = make_item(publish=True, title="Cotton yarn from Multan")
    path = f"{API}/items/{item.pk}"
    assert short_answer(wsgi, path) is None  # nothing cached yet: Django renders it
    full = Client().get(path)
    assert full.status_code == 200
    short = short_answer(wsgi, path)
    assert short is not None and short.status_code == 200
    assert short.content == full.content
    assert short["ETag"] == full["ETag"]
    assert short["Content-Type"] == full["Content-Type"] == "application/json; charset=utf-8"
    assert short["Content-Length"] == str(len(full.content))
    for name in SECURITY_HEADERS:
        assert short[name] == full[name], name
    assert short["X-Request-ID"]

    not_modified = short_answer(wsgi, path, HTTP_IF_NONE_MATCH=full["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == full["ETag"]


def test_credentials_a_query_or_another_method_go_through_django(make_item, wsgi, served):
    item = make_item(publish=True, title="Sesame seeds")
    path = f"{API}/items/{item.pk}"
    assert Client().get(path).status_code == 200  # cached now
    assert short_answer(wsgi, path) is not None
    assert short_answer(wsgi, path, HTTP_AUTHORIZATION="Bearer not-a-token") is None
    assert short_answer(wsgi, path, HTTP_COOKIE="sessionid=abc") is None
    assert short_answer(wsgi, f"{path}?fields=title") is None
    assert short_answer(wsgi, f"{API}/items/{item.uid}") is None
    # Over HTTP a bad token is still refused, cached item or not.
    refused = httpx.get(served + path, headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401


def test_a_draft_or_withdrawn_item_is_never_served_from_the_cache(make_item, staff_az, wsgi):
    item = make_item(publish=True, title="Lead that goes back")
    path = f"{API}/items/{item.pk}"
    assert Client().get(path).status_code == 200
    assert short_answer(wsgi, path) is not None
    # The item becomes a draft behind the cache's back (no change announced): both cached copies
    # of its published version remain, and neither may be served.
    Item.objects.filter(pk=item.pk).update(status="draft")
    assert cache.get(reads.cache_key(item.pk)) is not None and item.pk in reads._local
    assert short_answer(wsgi, path) is None
    assert Client().get(path).status_code == 404

    other = make_item(publish=True, title="Lead that is withdrawn")
    other_path = f"{API}/items/{other.pk}"
    assert Client().get(other_path).status_code == 200
    services.item_withdraw(actor=staff_az, item=other, note="sold")
    assert cache.get(reads.cache_key(other.pk)) is None  # dropped when the withdrawal committed
    assert other.pk not in reads._local
    assert short_answer(wsgi, other_path) is None
    answer = Client().get(other_path)
    assert answer.status_code == 404 and b"Lead that is withdrawn" not in answer.content


def test_an_edit_drops_the_cached_answer_and_the_next_read_has_it(make_item, staff_az, wsgi):
    item = make_item(publish=True, title="Polyester yarn, 20 t")
    path = f"{API}/items/{item.pk}"
    before = Client().get(path)
    services.item_update(actor=staff_az, item=item, data={"title": "Polyester yarn, 40 t"})
    assert cache.get(reads.cache_key(item.pk)) is None
    assert short_answer(wsgi, path) is None  # a miss: Django renders the new version
    after = Client().get(path)
    assert after["ETag"] != before["ETag"]
    short = short_answer(wsgi, path)
    assert short is not None and short.content == after.content
    assert b"Polyester yarn, 40 t" in short.content
    stale = short_answer(wsgi, path, HTTP_IF_NONE_MATCH=before["ETag"])
    assert stale.status_code == 200


def test_an_expired_item_is_still_public_through_django(make_item, lapse, wsgi):
    item = lapse(make_item(publish=True, title="Lead past its date"))
    services.items_expire_due()
    path = f"{API}/items/{item.pk}"
    assert Client().get(path).status_code == 200
    assert short_answer(wsgi, path) is None


def test_the_api_rate_limit_holds_on_the_short_way(make_item, wsgi, served, settings):
    settings.API_RATE_LIMIT = "3/m"
    item = make_item(publish=True, title="Rate-limited lead")
    url = f"{served}{API}/items/{item.pk}"
    with httpx.Client() as client:
        answers = [client.get(url) for _ in range(3)]  # the second and third from the cache
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert answers[2].content == answers[0].content
        # Over the limit the short way counts the request and hands it to Django, which refuses.
        assert short_answer(wsgi, f"{API}/items/{item.pk}") is None
        refused = client.get(url)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["detail"]


# --- a search of published items ----------------------------------------------------------


def test_a_search_whose_page_is_cached_is_answered_as_django_answers_it(make_item, wsgi):
    first = make_item(publish=True, title="Basmati rice from Lahore")
    second = make_item(publish=True, title="Parboiled rice from Karachi")
    make_item(publish=True, title="Cotton yarn from Multan")
    path = f"{API}/items?q=rice&limit=5"
    assert short_answer(wsgi, path) is None  # the items are not cached yet: Django renders them
    full = Client().get(path)
    assert full.status_code == 200
    assert {i["id"] for i in full.json()["items"]} == {first.pk, second.pk}
    short = short_answer(wsgi, path)
    assert short is not None and short.status_code == 200
    assert short.content == full.content
    assert short["Content-Type"] == full["Content-Type"] == "application/json; charset=utf-8"
    assert short["Content-Length"] == str(len(full.content))
    for name in SECURITY_HEADERS:
        assert short[name] == full[name], name
    assert short["X-Request-ID"]
    # Filters and paging are read as the API reads them.
    narrowed = f"{API}/items?q=rice&kind=lead&country=PK&limit=1&offset=1"
    assert Client().get(narrowed).status_code == 200
    answer = short_answer(wsgi, narrowed)
    assert answer is not None and answer.content == Client().get(narrowed).content
    assert json.loads(answer.content)["count"] == 2
    assert len(json.loads(answer.content)["items"]) == 1


def test_a_search_the_short_way_cannot_answer_goes_through_django(make_item, wsgi, served):
    make_item(publish=True, title="Sesame seeds from Sindh")
    assert Client().get(f"{API}/items?q=sesame").status_code == 200  # cached now
    assert short_answer(wsgi, f"{API}/items?q=sesame") is not None
    for path in (
        f"{API}/items?q=sesame&facets=true",  # facet counts come from the database
        f"{API}/items?q=sesame&status=draft",  # needs credentials
        f"{API}/items?q=sesame&sort=newest",  # the database orders by date
        f"{API}/items",  # browsing, not searching
        f"{API}/items?q=sesame&unknown=1",
        f"{API}/items?q=sesame&q=seeds",
        f"{API}/items?q=sesame&limit=0",
        f"{API}/items?q=sesame&kind=bicycle",
        f"{API}/items?q=sesame&value_min=ten",
    ):
        assert short_answer(wsgi, path) is None, path
    assert short_answer(wsgi, f"{API}/items?q=sesame", HTTP_AUTHORIZATION="Bearer x") is None
    # Django names what is wrong, as before.
    bad = httpx.get(f"{served}{API}/items", params={"q": "sesame", "limit": "0"})
    assert bad.status_code == 422 and "limit" in bad.text
    bad = httpx.get(f"{served}{API}/items", params={"q": "sesame", "kind": "bicycle"})
    assert bad.status_code == 422 and "kind" in bad.text


def test_a_search_never_shows_an_item_that_left_the_published_state(make_item, staff_az, wsgi):
    item = make_item(publish=True, title="Walnuts from Shaki")
    path = f"{API}/items?q=walnuts"
    assert Client().get(path).json()["count"] == 1
    assert short_answer(wsgi, path) is not None
    # Back to draft behind the cache's and the index's backs: the page is read back from the
    # database, so neither the cached JSON nor the index's stale entry shows it.
    Item.objects.filter(pk=item.pk).update(status="draft")
    answer = short_answer(wsgi, path)
    assert answer is not None and json.loads(answer.content)["items"] == []
    assert b"Walnuts from Shaki" not in Client().get(path).content
    other = make_item(publish=True, title="Hazelnuts from Zaqatala")
    assert Client().get(f"{API}/items?q=hazelnuts").json()["count"] == 1
    services.item_withdraw(actor=staff_az, item=other, note="sold")
    answer = short_answer(wsgi, f"{API}/items?q=hazelnuts")
    assert answer is not None
    assert json.loads(answer.content) == {"count": 0, "count_is_capped": False, "items": []}


def test_the_api_rate_limit_holds_on_a_short_search(make_item, wsgi, served, settings):
    settings.API_RATE_LIMIT = "3/m"
    make_item(publish=True, title="Rate-limited dates")
    url = f"{served}{API}/items?q=dates"
    with httpx.Client() as client:
        answers = [client.get(url) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert answers[2].content == answers[0].content
        assert short_answer(wsgi, f"{API}/items?q=dates") is None
        refused = client.get(url)
    assert refused.status_code == 429
    assert refused.json()["detail"]
