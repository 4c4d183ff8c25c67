"""Bad text input: a clear 422 (or an error beside the field, or a row report), never a 500,
and nothing unbounded stored.

The attacks that were found: ``PATCH`` of an organisation with ``{"city": "Lahore\\u0000"}``
and ``POST /api/v1/subscriptions`` with ``{"name": "n\\u0000"}`` answered 500; a webhook
endpoint description with NUL was stored; an organisation description of 5,000,000
characters was accepted. Every text input now goes through ``bureau.core.parsing.text``.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bureau.accounts.models import Organisation
from bureau.alerts.models import Subscription, WebhookEndpoint
from bureau.catalog.importing import import_items
from bureau.core import parsing
from tests.samples import lead_data
from tests.security.support import send

pytestmark = pytest.mark.django_db

CONTROLS = ["\u0000", "\u0007", "\u001b[31m", "\u007f", "\u0085", "\ud800"]


def names_field(response: Any, field: str) -> bool:
    return any(e["field"].split(".")[-1] == field for e in response.json()["errors"])


@pytest.mark.parametrize("bad", CONTROLS)
def test_control_characters_in_an_organisation_are_a_422(client, member, token_for, bad):
    slug = member.organisation.slug
    response = send(client, "patch", f"/organisations/{slug}", {"city": f"Lah{bad}ore"},
                    token_for(member))  # fmt: skip
    assert response.status_code == 422, response.content
    assert names_field(response, "city")
    assert Organisation.objects.get(slug=slug).city == ""


def test_an_unbounded_description_is_refused(client, member, token_for):
    response = send(
        client, "patch", f"/organisations/{member.organisation.slug}",
        {"description": "x" * 5_000_000}, token_for(member),
    )  # fmt: skip
    assert response.status_code == 422
    assert names_field(response, "description")
    assert "at most 5000" in response.content.decode()
    assert len(response.content) < 10_000  # the input is not echoed back


@pytest.mark.parametrize("bad", CONTROLS)
def test_a_subscription_name_with_control_characters_is_a_422(client, member, token_for, bad):
    response = send(client, "post", "/subscriptions", {"name": f"n{bad}n"}, token_for(member))
    assert response.status_code == 422, response.content
    assert names_field(response, "name")
    assert not Subscription.objects.exists()


def test_keywords_are_text_too(client, member, token_for):
    response = send(
        client, "post", "/subscriptions", {"name": "Rice", "keywords_all": ["rice\u0000"]},
        token_for(member),
    )  # fmt: skip
    assert response.status_code == 422 and names_field(response, "keywords_all")


def test_a_webhook_description_with_nul_is_not_stored(client, member, token_for, settings):
    settings.BUREAU_WEBHOOK_ALLOW_PRIVATE = True
    response = send(
        client, "post", "/webhook-endpoints",
        {"url": "http://127.0.0.1:9/hook", "description": "mine\u0000"}, token_for(member),
    )  # fmt: skip
    assert response.status_code == 422 and names_field(response, "description")
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "Rice\u0000"), ("body", "x" * 60_000), ("summary", "\u001b[2J"),
     ("product", "Rice\ud800"), ("source_title", "\u0007")],
)  # fmt: skip
def test_item_text_is_checked(client, member, token_for, field, value):
    response = send(client, "post", "/items", lead_data(**{field: value}), token_for(member))
    assert response.status_code == 422, response.content
    assert names_field(response, field)


@pytest.mark.parametrize("path", ["/api/v1/items/%C2%B2", "/api/v1/items/99999999999999999999999"])
def test_odd_item_ids_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_query_strings_are_text_too(client):
    response = client.get("/api/v1/items", {"q": "rice\u0000"})
    assert response.status_code == 422 and names_field(response, "q")
    assert client.get("/api/v1/organisations", {"q": "\u0000"}).status_code == 422


def test_the_item_form_shows_the_error_beside_the_field(client, member):
    client.force_login(member)
    response = client.post(
        "/items/new/?kind=lead",
        {**lead_data(title="Rice\u0007 lot"), "kind": "lead", "sectors": ["agriculture"]},
    )
    assert response.status_code in (200, 422)
    assert "must not contain control characters" in response.content.decode()


def test_an_import_reports_the_row_and_the_field(member):
    csv_text = "kind,title,side,product,hs_code\nlead,Rice\u0000 lot,sell,Rice,100630\n"
    report = import_items(
        io.BytesIO(csv_text.encode()), filename="items.csv", actor=member, dry_run=True
    )
    assert [(e.row, e.field) for e in report.errors] == [(2, "title")]


def test_the_import_page_does_not_fail_on_it(client, member):
    client.force_login(member)
    upload = SimpleUploadedFile(
        "items.csv", "kind,title\nlead,\u0000\n".encode(), content_type="text/csv"
    )
    response = client.post("/items/import/", {"file": upload, "dry_run": "on"})
    assert response.status_code in (200, 422)


def test_the_parser_itself():
    assert parsing.text("  Baku  ") == "Baku"
    assert parsing.text("line one\nline two\ttab") == "line one\nline two\ttab"
    for bad in CONTROLS:
        with pytest.raises(ValueError, match="control characters"):
            parsing.text(f"a{bad}b")
    with pytest.raises(ValueError, match="at most 10"):
        parsing.text("x" * 11, max_length=10)
    with pytest.raises(ValueError, match="at most 10000"):
        parsing.text("x" * 10_001)
    with pytest.raises(ValueError, match="entries"):
        parsing.string_list(["a"] * (parsing.MAX_LIST_ITEMS + 1))


def test_page_filters_report_control_characters_beside_the_field(client, company):
    directory = client.get("/directory/", {"q": "Punjab\u0007"})
    assert directory.status_code == 200
    assert "must not contain control characters" in directory.content.decode()
    browse = client.get("/items/", {"q": "rice\u0000"})
    assert browse.status_code == 200
    assert "must not contain control characters" in browse.content.decode()
