"""The catalog's web pages through the Django test client: browse, item, forms, moderation, import."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from bureau.catalog.models import Item, ItemTransition, Status
from conftest import lead_data

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Facet counts are cached for a short while; each test starts from its own data."""
    cache.clear()


def _text(response: Any) -> str:
    return response.content.decode()


def _titles(response: Any) -> list[str]:
    return re.findall(r'class="result__title"[^>]*><a href="[^"]+">([^<]+)</a>', _text(response))


# --- Browse -------------------------------------------------------------------------------------


def test_browse_shows_published_items_only_to_anonymous_visitors(client: Client, make_item):
    make_item(publish=True, title="Basmati rice for Baku")
    make_item(title="A draft nobody may see")
    response = client.get(reverse("catalog:browse"))
    assert response.status_code == 200
    assert _titles(response) == ["Basmati rice for Baku"]
    assert "1 item found" in _text(response)


def test_browse_ignores_a_status_asked_for_in_the_query_string(client: Client, make_item):
    make_item(title="A draft nobody may see")
    response = client.get(reverse("catalog:browse"), {"status": "draft"})
    assert response.status_code == 200
    assert _titles(response) == []


def test_full_text_search_and_facet_filters_narrow_the_results(client: Client, make_item):
    make_item(publish=True, title="Basmati rice for Baku")
    make_item(
        publish=True,
        title="Cotton yarn wanted",
        summary="Combed yarn for weaving.",
        product="Cotton yarn",
        hs_code="520512",
        sectors=["textiles"],
    )
    url = reverse("catalog:browse")
    assert _titles(client.get(url, {"q": "basmati"})) == ["Basmati rice for Baku"]
    assert _titles(client.get(url, {"hs": "52"})) == ["Cotton yarn wanted"]
    assert _titles(client.get(url, {"sector": "textiles"})) == ["Cotton yarn wanted"]
    assert _titles(client.get(url, {"section": "II"})) == ["Basmati rice for Baku"]
    assert _titles(client.get(url, {"kind": "tender"})) == []


def test_facet_counts_and_links_are_shown(client: Client, make_item):
    make_item(publish=True, title="Basmati rice for Baku")
    make_item(publish=True, title="More rice", sectors=["agriculture", "trade"])
    response = client.get(reverse("catalog:browse"))
    html = _text(response)
    chapter = re.search(r'id="facet-hs-10" href="([^"]+)".*?facet__count">(\d+)<', html, re.S)
    assert chapter is not None and chapter.group(2) == "2"
    assert chapter.group(1) == "?hs=10"
    sector = re.search(r'id="facet-sector-trade" href="[^"]+".*?facet__count">(\d+)<', html, re.S)
    assert sector is not None and sector.group(1) == "1"


def test_value_range_and_published_dates_filter(client: Client, make_item):
    make_item(publish=True, title="Small lot", value_amount="1000")
    make_item(publish=True, title="Big lot", value_amount="900000")
    url = reverse("catalog:browse")
    assert _titles(client.get(url, {"value_min": "5000"})) == ["Big lot"]
    assert _titles(client.get(url, {"value_max": "5000"})) == ["Small lot"]
    assert _titles(client.get(url, {"published_to": "2000-01-01"})) == []
    assert set(_titles(client.get(url, {"published_from": "2000-01-01"}))) == {
        "Small lot",
        "Big lot",
    }


def test_a_bad_filter_gets_a_message_beside_its_field_not_an_error_page(client: Client, make_item):
    make_item(publish=True, title="Basmati rice for Baku")
    response = client.get(reverse("catalog:browse"), {"value_min": "lots", "hs": "12ab"})
    assert response.status_code == 200
    html = _text(response)
    assert 'id="id_value_min-error"' in html and "&#x27;lots&#x27; is not a number" in html
    assert 'id="id_hs-error"' in html and "is not an HS code" in html
    assert 'aria-describedby="id_value_min-error"' in html
    # The bad filters are ignored, so the rest of the page still answers.
    assert _titles(response) == ["Basmati rice for Baku"]


def test_an_unknown_kind_is_reported_and_ignored(client: Client, make_item):
    make_item(publish=True, title="Basmati rice for Baku")
    response = client.get(reverse("catalog:browse"), {"kind": "gossip"})
    assert response.status_code == 200
    assert "unknown kind(s) gossip" in _text(response)
    assert _titles(response) == ["Basmati rice for Baku"]


def test_htmx_gets_only_the_results_fragment(client: Client, make_item):
    make_item(publish=True, title="Basmati rice for Baku")
    response = client.get(
        reverse("catalog:browse"), {"q": "rice"}, headers={**HTMX, "HX-Target": "browse"}
    )
    html = _text(response)
    assert response.status_code == 200
    assert "<html" not in html and 'id="browse-form"' in html
    assert 'hx-swap-oob="innerHTML"' in html  # the live result count
    assert "HX-Request" in response["Vary"]


def test_browse_paginates_twenty_to_a_page(client: Client, make_item):
    for n in range(21):
        make_item(publish=True, title=f"Lot {n:02d}")
    first = client.get(reverse("catalog:browse"))
    second = client.get(reverse("catalog:browse"), {"page": "2"})
    assert len(_titles(first)) == 20 and len(_titles(second)) == 1
    assert "Page 1 of 2" in _text(first)


def test_browse_query_count_does_not_grow_with_results(
    client: Client, make_item, django_assert_max_num_queries
):
    for n in range(20):
        make_item(publish=True, title=f"Lot {n:02d}")
    # count, page, and the two facet queries (cached afterwards)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("catalog:browse"), {"q": "lot", "hs": "10"})
    assert len(_titles(response)) == 20


def test_hs_suggestions_are_options_for_the_datalist(client: Client):
    response = client.get(reverse("catalog:hs_suggest"), {"hs": "100630"})
    assert response.status_code == 200
    assert '<option value="100630">1006.30' in _text(response)
    by_words = client.get(reverse("catalog:hs_suggest"), {"q": "rice"})
    assert 'value="1006"' in _text(by_words)


# --- Item page ----------------------------------------------------------------------------------


def test_item_page_shows_common_and_lead_fields(client: Client, make_item):
    item = make_item(
        publish=True, source_title="Chamber bulletin", source_url="https://example.org/b"
    )
    response = client.get(reverse("catalog:item", args=[item.pk]))
    html = _text(response)
    assert response.status_code == 200
    for words in ("Basmati rice", "Offer to sell", "1006.30", "500", "tonnes", "CFR"):
        assert words in html
    assert "Pakistan" in html and "Azerbaijan" in html
    assert 'href="https://example.org/b"' in html and "Chamber bulletin" in html
    assert "Punjab Rice Exporters" in html
    # Anonymous visitors see neither buttons nor the audit trail.
    assert "History" not in html and "Withdraw" not in html


def test_item_page_shows_an_agreement_with_parties_extensions_and_milestones(
    client: Client, staff_az
):
    from bureau.catalog import services

    item = services.item_create(
        actor=staff_az,
        publish=True,
        data={
            "kind": "agreement",
            "title": "LNG framework agreement",
            "agreement_type": "framework",
            "parties": "SOCAR;Pakistan LNG Limited",
            "signed_on": "2023-02-01",
            "expires_on": "2024-02-01",
            "extensions": [
                {"agreed_on": "2025-02-25", "new_expires_on": "2027-02-01", "note": "Two years"}
            ],
            "milestones": [{"title": "First cargo", "due_on": "2025-06-01"}],
        },
    )
    html = _text(client.get(reverse("catalog:item", args=[item.pk])))
    for words in ("SOCAR", "Pakistan LNG Limited", "Framework agreement", "Two years"):
        assert words in html
    assert "First cargo" in html and "1 Feb 2027" in html


def test_drafts_are_hidden_from_strangers_but_shown_to_their_organisation(
    client: Client, make_item, member, staff_pk
):
    item = make_item()
    url = reverse("catalog:item", args=[item.pk])
    assert client.get(url).status_code == 404
    client.force_login(staff_pk)
    assert client.get(url).status_code == 404
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    assert "Submit for review" in _text(response) and "History" in _text(response)


def test_item_page_query_count_is_pinned(
    client: Client, make_item, staff_az, django_assert_max_num_queries
):
    item = make_item(publish=True)
    client.force_login(staff_az)
    # session, user, item with organisation, lead detail, audit trail with actors, unread inbox
    with django_assert_max_num_queries(6):
        response = client.get(reverse("catalog:item", args=[item.pk]))
    assert response.status_code == 200 and "History" in _text(response)


def test_staff_publish_through_htmx_swaps_the_panel_and_records_who(
    client: Client, make_item, staff_az
):
    item = make_item()
    client.force_login(staff_az)
    response = client.post(reverse("catalog:item_action", args=[item.pk, "publish"]), headers=HTMX)
    html = _text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="item-panel"') and "Published." in html
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert item.transitions.last().actor == staff_az
    assert "staff@az.example" in html  # the audit trail names who


def test_without_javascript_an_action_redirects_back_to_the_item(client: Client, make_item, member):
    item = make_item()
    client.force_login(member)
    response = client.post(reverse("catalog:item_action", args=[item.pk, "submit"]))
    assert response.status_code == 302 and response["Location"] == f"/items/{item.pk}/"
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED


def test_staff_of_the_other_chamber_gets_403_on_publish_and_edit(
    client: Client, make_item, staff_pk
):
    item = make_item(publish=True)
    client.force_login(staff_pk)
    assert (
        client.post(reverse("catalog:item_action", args=[item.pk, "withdraw"])).status_code == 403
    )
    assert client.get(reverse("catalog:item_edit", args=[item.pk])).status_code == 403
    response = client.post(reverse("catalog:item_edit", args=[item.pk]), {"title": "Hijacked"})
    assert response.status_code == 403
    assert "You are not allowed" in _text(response)
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.title != "Hijacked"


def test_publishing_a_withdrawn_item_is_a_conflict_shown_in_the_panel(
    client: Client, make_item, member, staff_az
):
    from bureau.catalog import services

    item = services.item_withdraw(actor=member, item=make_item())
    client.force_login(staff_az)
    response = client.post(reverse("catalog:item_action", args=[item.pk, "publish"]), headers=HTMX)
    assert response.status_code == 409
    assert "cannot become published" in _text(response)
    assert Item.objects.get(pk=item.pk).status == Status.WITHDRAWN


def test_actions_need_a_signed_in_user_a_post_and_a_known_action(client: Client, make_item, member):
    item = make_item(publish=True)
    url = reverse("catalog:item_action", args=[item.pk, "withdraw"])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(member)
    assert client.get(url).status_code == 405
    assert client.post(reverse("catalog:item_action", args=[item.pk, "explode"])).status_code == 404
    assert Item.objects.get(pk=item.pk).status == Status.PUBLISHED


def test_actions_refuse_a_post_without_the_csrf_token(make_item, staff_az):
    item = make_item()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_az)
    response = client.post(reverse("catalog:item_action", args=[item.pk, "publish"]))
    assert response.status_code == 403
    assert Item.objects.get(pk=item.pk).status == Status.DRAFT


# --- Entry forms ----------------------------------------------------------------------------------


def _form_values(**overrides: Any) -> dict[str, Any]:
    values = {k: v for k, v in lead_data().items() if k != "kind"}
    values["sectors"] = ["agriculture"]
    values.update(overrides)
    return values


def test_new_item_asks_for_the_kind_first(client: Client, member):
    client.force_login(member)
    response = client.get(reverse("catalog:item_new"))
    assert response.status_code == 200 and 'name="kind" value="lead"' in _text(response)
    bad = client.get(reverse("catalog:item_new"), {"kind": "rumour"})
    assert "&#x27;rumour&#x27; is not a kind of item" in _text(bad)


def test_the_form_has_the_fields_of_the_kind_with_labels(client: Client, member):
    client.force_login(member)
    html = _text(client.get(reverse("catalog:item_new"), {"kind": "lead"}))
    for name in ("title", "side", "product", "hs_code", "incoterm", "valid_until"):
        assert f'for="id_{name}"' in html and f'id="id_{name}"' in html
    assert 'name="sector"' not in html  # an opportunity's field


def test_creating_an_item_through_the_form_saves_a_draft(client: Client, member):
    client.force_login(member)
    response = client.post(
        reverse("catalog:item_new") + "?kind=lead", _form_values(title="Rice by form")
    )
    item = Item.objects.get(title="Rice by form")
    assert response.status_code == 302 and response["Location"] == f"/items/{item.pk}/"
    assert item.status == Status.DRAFT and item.lead.hs_code == "100630"
    assert item.sectors == ["agriculture"] and item.organisation == member.organisation


def test_form_errors_name_the_field_and_nothing_is_written(client: Client, member):
    client.force_login(member)
    response = client.post(
        reverse("catalog:item_new") + "?kind=lead",
        _form_values(hs_code="123", value_amount="a lot", product=""),
    )
    html = _text(response)
    assert response.status_code == 422
    assert Item.objects.count() == 0 and ItemTransition.objects.count() == 0
    for name, reason in (
        ("hs_code", "is not an HS code"),
        ("value_amount", "is not a number"),
        ("product", "is required"),
    ):
        error = re.search(rf'id="id_{name}-error">([^<]+)<', html)
        assert error is not None and reason in error.group(1)
        assert re.search(rf'aria-describedby="[^"]*id_{name}-error"', html)
    assert 'value="a lot"' in html  # what was typed is kept


def test_editing_changes_the_item(client: Client, make_item, member):
    item = make_item()
    client.force_login(member)
    form = client.get(reverse("catalog:item_edit", args=[item.pk]))
    assert 'value="Basmati rice, 500 tonnes, for Baku"' in _text(form)
    response = client.post(
        reverse("catalog:item_edit", args=[item.pk]), _form_values(title="Renamed lot")
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Renamed lot" and item.lead.quantity == 500


def test_an_invalid_edit_changes_nothing(client: Client, make_item, member):
    item = make_item()
    client.force_login(member)
    response = client.post(
        reverse("catalog:item_edit", args=[item.pk]),
        _form_values(title="Renamed lot", valid_from="2027-01-02", valid_until="2027-01-01"),
    )
    assert response.status_code == 422 and "is before valid_from" in _text(response)
    item.refresh_from_db()
    assert item.title == "Basmati rice, 500 tonnes, for Baku"


def test_entry_pages_need_a_sign_in(client: Client):
    response = client.get(reverse("catalog:item_new"), {"kind": "lead"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- Moderation -------------------------------------------------------------------------------------


def test_moderation_queue_lists_submitted_items_of_the_moderator_only(
    client: Client, make_item, member, staff_az, staff_pk
):
    from bureau.catalog import services

    mine = services.item_submit(actor=member, item=make_item(title="Waiting lot"))
    client.force_login(staff_az)
    html = _text(client.get(reverse("catalog:moderation")))
    assert "Waiting lot" in html and f'id="queue-row-{mine.pk}"' in html
    client.force_login(staff_pk)
    assert "Waiting lot" not in _text(client.get(reverse("catalog:moderation")))


def test_moderation_row_is_swapped_after_publishing(client: Client, make_item, member, staff_az):
    from bureau.catalog import services

    item = services.item_submit(actor=member, item=make_item())
    client.force_login(staff_az)
    response = client.post(
        reverse("catalog:item_action", args=[item.pk, "return"]),
        {"view": "row", "note": "Add the quantity"},
        headers=HTMX,
    )
    html = _text(response)
    assert html.lstrip().startswith(f'<tr id="queue-row-{item.pk}"')
    assert "Returned to draft." in html
    assert Item.objects.get(pk=item.pk).status == Status.DRAFT


def test_members_cannot_open_the_moderation_queue(client: Client, member):
    client.force_login(member)
    assert client.get(reverse("catalog:moderation")).status_code == 403


# --- Import -----------------------------------------------------------------------------------------


def _csv(rows: list[dict[str, str]]) -> io.BytesIO:
    columns = list(rows[0])
    lines = [",".join(columns)] + [",".join(row[c] for c in columns) for row in rows]
    upload = io.BytesIO(("\n".join(lines) + "\n").encode())
    upload.name = "items.csv"
    return upload


GOOD_ROW = {
    "kind": "lead",
    "title": "Imported rice",
    "side": "sell",
    "product": "Rice",
    "hs_code": "100630",
}


def test_import_page_offers_templates_and_the_template_downloads(client: Client, staff_az):
    client.force_login(staff_az)
    html = _text(client.get(reverse("catalog:import")))
    for fmt in ("csv", "xlsx", "json"):
        assert reverse("catalog:import_template", args=[fmt]) in html
    template = client.get(reverse("catalog:import_template", args=["csv"]))
    assert template.status_code == 200 and b"hs_code" in template.content
    assert "attachment" in template["Content-Disposition"]


def test_import_reports_bad_rows_by_number_and_writes_nothing(client: Client, staff_az):
    client.force_login(staff_az)
    bad = {**GOOD_ROW, "title": "Broken", "hs_code": "12x"}
    response = client.post(
        reverse("catalog:import"), {"file": _csv([GOOD_ROW, bad]), "dry_run": ""}
    )
    html = _text(response)
    assert response.status_code == 422
    assert re.search(r'<td class="num">3</td><td><code>hs_code</code></td>', html)
    assert Item.objects.count() == 0


def test_import_writes_the_items_when_every_row_is_good(client: Client, staff_az):
    client.force_login(staff_az)
    response = client.post(reverse("catalog:import"), {"file": _csv([GOOD_ROW]), "publish": "on"})
    assert response.status_code == 200 and "1 item imported." in _text(response)
    assert Item.objects.get(title="Imported rice").status == Status.PUBLISHED


def test_import_dry_run_saves_nothing(client: Client, staff_az):
    client.force_login(staff_az)
    response = client.post(reverse("catalog:import"), {"file": _csv([GOOD_ROW]), "dry_run": "on"})
    assert response.status_code == 200 and "would be imported" in _text(response)
    assert Item.objects.count() == 0
