"""Subscription pages through the Django test client: list, form, delivery log, endpoints, live."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from bureau.accounts.models import User
from bureau.accounts.services import user_create
from bureau.alerts import services
from bureau.alerts.models import Channel, Subscription, WebhookEndpoint
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.matching import LiveIndex
from bureau.delivery.models import Delivery
from bureau.delivery.webhooks import record_result
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def text(response: Any) -> str:
    return response.content.decode()


def input_value(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert found, name
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def checked(html: str, name: str) -> set[str]:
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return {re.search(r'value="([^"]*)"', t).group(1) for t in tags if " checked" in t}  # type: ignore[union-attr]


@pytest.fixture
def signed_in(client: Client, member: User) -> Client:
    client.force_login(member)
    return client


@pytest.fixture
def other(company: Any) -> User:
    return user_create(
        email="other@rice.example", password=PASSWORD, organisation=company, role="member"
    )


@pytest.fixture
def endpoint(member: User) -> WebhookEndpoint:
    with override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True):
        return services.endpoint_create(owner=member, url="http://127.0.0.1:9/hook")[0]


def rice(member: User, **channels: Any) -> Subscription:
    return services.subscription_create(
        owner=member,
        data={
            "name": "Rice to Baku",
            "kinds": ["lead"],
            "hs_prefixes": ["1006"],
            "origin_countries": ["PK"],
            **channels,
        },
    )


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Cotton yarn",
        "kinds": ["lead"],
        "hs_prefixes": "5205; 5206",
        "keywords_any": "yarn thread",
        "destination_countries": "AZ",
        "value_min_usd": "5000",
        "channels": ["live"],
        "email_mode": "instant",
        "digest_hour": "7",
    }
    data.update(overrides)
    return data


# --- Access and navigation ----------------------------------------------------------------------


def test_the_pages_need_a_signed_in_member(client: Client) -> None:
    for name in ("alerts:list", "alerts:new", "alerts:live", "alerts:endpoints"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "Subscriptions</a>" not in text(client.get(reverse("catalog:browse")))


def test_the_navigation_and_home_page_lead_to_the_subscriptions(signed_in: Client) -> None:
    html = text(signed_in.get(reverse("web:home")))
    assert f'href="{reverse("alerts:list")}">Subscriptions</a>' in html
    assert f'href="{reverse("alerts:live")}">Live feed' in html
    listing = text(signed_in.get(reverse("alerts:list")))
    assert f'href="{reverse("alerts:list")}" aria-current="page">Subscriptions</a>' in listing


# --- The list -----------------------------------------------------------------------------------


def test_the_list_shows_criteria_channels_counts_and_a_failing_endpoint(
    signed_in: Client, member: User, endpoint: WebhookEndpoint, make_item: Any
) -> None:
    subscription = rice(
        member, channels=[{"kind": "atom"}, {"kind": "webhook", "endpoint": endpoint.pk}]
    )
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    for _ in range(len(settings.BUREAU_WEBHOOK_RETRY_DELAYS) + 1):
        record_result(
            Delivery.objects.get(kind="webhook").pk, status_code=500, error="", duration_ms=1
        )
    html = text(signed_in.get(reverse("alerts:list")))
    assert "Rice to Baku" in html and "Trade lead" in html and "1006" in html and "Pakistan" in html
    feed = Channel.objects.get(kind="atom").feed_token
    assert f'href="http://testserver/feeds/subscriptions/{feed}/"' in html
    assert "webhook to http://127.0.0.1:9/hook" in html
    assert "1 delivered, 0 waiting, 1 dead" in html
    assert re.search(
        r'role="alert">\s*The webhook endpoint http://127.0.0.1:9/hook has been failing since', html
    )
    assert reverse("alerts:deliveries", args=[subscription.pk]) + "?status=dead" in html


def test_another_members_subscriptions_are_not_listed_nor_reachable(
    signed_in: Client, other: User
) -> None:
    theirs = rice(other)
    assert "Rice to Baku" not in text(signed_in.get(reverse("alerts:list")))
    for name in ("alerts:edit", "alerts:delete", "alerts:deliveries"):
        assert signed_in.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert signed_in.post(reverse("alerts:delete", args=[theirs.pk])).status_code == 404
    assert signed_in.post(reverse("alerts:redeliver_dead", args=[theirs.pk])).status_code == 404
    assert Subscription.objects.get(pk=theirs.pk).active


# --- The form -----------------------------------------------------------------------------------


def test_a_new_subscription_with_email_digest_and_webhook(
    signed_in: Client, member: User, endpoint: WebhookEndpoint
) -> None:
    page = text(signed_in.get(reverse("alerts:new")))
    assert '<label for="id_hs_prefixes">HS code prefixes' in page
    assert f'value="webhook:{endpoint.pk}"' in page  # the member's endpoint is offered
    assert 'hx-get="/items/hs/"' in page  # the catalog's HS suggestions
    data = form_data(
        channels=["live", "email", f"webhook:{endpoint.pk}"], email_mode="digest", digest_hour="18"
    )
    response = signed_in.post(reverse("alerts:new"), data)
    assert response.status_code == 302 and response["Location"] == reverse("alerts:list")
    subscription = Subscription.objects.get()
    assert (subscription.owner, subscription.name) == (member, "Cotton yarn")
    assert subscription.hs_prefixes == ["5205", "5206"] and subscription.keywords_any == [
        "yarn thread"
    ]
    assert (
        subscription.destination_countries == ["AZ"]
        and str(subscription.value_min_usd) == "5000.00"
    )
    channels = {
        (c.kind, c.email_mode, c.digest_hour, c.endpoint_id) for c in subscription.channels.all()
    }
    assert channels == {
        ("live", "", None, None),
        ("email", "digest", 18, None),
        ("webhook", "", None, endpoint.pk),
    }


def test_bad_criteria_are_shown_beside_their_fields_and_nothing_is_saved(signed_in: Client) -> None:
    data = form_data(
        hs_prefixes="1099", value_min_usd="900", value_max_usd="100", origin_countries="XX"
    )
    response = signed_in.post(reverse("alerts:new"), data)
    assert response.status_code == 422
    html = text(response)
    for field, words in (
        ("hs_prefixes", "not in the HS 2022 nomenclature"),
        ("value_max_usd", "is below value_min_usd"),
        ("origin_countries", "XX"),
    ):
        error = re.search(rf'id="id_{field}-error">([^<]*)<', html)
        assert error and words in error.group(1), field
        tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', html).group(0)  # type: ignore[union-attr]
        assert 'aria-invalid="true"' in tag and f"id_{field}-error" in tag
    assert "Nothing was saved" in html and input_value(html, "hs_prefixes") == "1099"
    assert not Subscription.objects.exists()


def test_a_subscription_needs_a_channel_and_a_name(signed_in: Client) -> None:
    response = signed_in.post(reverse("alerts:new"), form_data(channels=[]))
    assert response.status_code == 422
    assert "Choose at least one way to receive matches." in text(response)
    response = signed_in.post(reverse("alerts:new"), form_data(name=" "))
    assert re.search(r'id="id_name-error">is required<', text(response))
    assert not Subscription.objects.exists()


def test_a_digest_needs_an_hour(signed_in: Client) -> None:
    response = signed_in.post(
        reverse("alerts:new"), form_data(channels=["email"], email_mode="digest", digest_hour="")
    )
    assert response.status_code == 422
    assert re.search(r'id="id_digest_hour-error">must be a whole hour', text(response))


def test_editing_shows_the_stored_values_and_saves_changes(signed_in: Client, member: User) -> None:
    subscription = rice(
        member, channels=[{"kind": "email", "email_mode": "digest", "digest_hour": 6}]
    )
    url = reverse("alerts:edit", args=[subscription.pk])
    html = text(signed_in.get(url))
    assert (
        input_value(html, "name") == "Rice to Baku" and input_value(html, "hs_prefixes") == "1006"
    )
    assert checked(html, "kinds") == {"lead"} and checked(html, "channels") == {"email"}
    assert re.search(r'<option value="6" selected>06:00 UTC', html)
    response = signed_in.post(
        url, form_data(name="Rice, any origin", hs_prefixes="10", channels=["live"])
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.name == "Rice, any origin" and subscription.hs_prefixes == ["10"]
    assert [c.kind for c in subscription.channels.filter(active=True)] == ["live"]


def test_deleting_asks_first_then_stops_the_subscription(signed_in: Client, member: User) -> None:
    subscription = rice(member)
    url = reverse("alerts:delete", args=[subscription.pk])
    assert "Delete “Rice to Baku”?" in text(signed_in.get(url))
    assert Subscription.objects.get().active
    response = signed_in.post(url, follow=True)
    assert "Subscription “Rice to Baku” deleted." in text(response)
    assert not Subscription.objects.get().active


# --- Save this search ---------------------------------------------------------------------------


def test_save_this_search_posts_the_browse_filters_and_prefills_the_form(
    client: Client, signed_in: Client, member: User
) -> None:
    browse = text(
        signed_in.get(
            reverse("catalog:browse"),
            {
                "q": "basmati rice",
                "kind": "lead",
                "hs": "1006",
                "country": "PK",
                "value_min": "1000",
            },
        )
    )
    form = re.search(
        r'<form id="save-search" method="post" action="([^"]+)" hidden>(.*?)</form>', browse, re.S
    )
    assert form and form.group(1) == reverse("alerts:from_search")
    assert 'form="save-search"' in browse and "Save this search" in browse
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(2)))
    assert hidden == {
        "csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"],
        "q": "basmati rice",
        "kind": "lead",
        "hs": "1006",
        "country": "PK",
        "value_min": "1000",
    }

    response = signed_in.post(reverse("alerts:from_search"), hidden)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("alerts:new")
    assert parse_qs(location.query)["hs_prefixes"] == ["1006"]
    html = text(signed_in.get(response["Location"]))
    assert "Filled in from your search" in html
    assert input_value(html, "keywords_all") == "basmati; rice"
    assert (
        input_value(html, "hs_prefixes") == "1006" and input_value(html, "origin_countries") == "PK"
    )
    assert input_value(html, "value_min_usd") == "1000" and checked(html, "kinds") == {"lead"}
    assert "Trade lead" in input_value(html, "name") and checked(html, "channels") == {"live"}
    assert not Subscription.objects.exists()  # nothing is saved until the member confirms


def test_save_this_search_turns_a_section_into_its_chapters(signed_in: Client) -> None:
    response = signed_in.post(
        reverse("alerts:from_search"), {"section": "II", "sector": "agriculture", "hs": "bad"}
    )
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["hs_prefixes"] == [f"{n:02d}" for n in range(6, 15)]  # chapters 06-14
    assert query["sectors"] == ["agriculture"]


def test_anonymous_visitors_are_taken_to_sign_in_by_save_this_search(client: Client) -> None:
    browse = text(client.get(reverse("catalog:browse"), {"q": "rice"}))
    assert 'form="save-search"' not in browse  # no form that would post without an account
    assert f'href="{reverse("alerts:from_search")}?q=rice">Save this search</a>' in browse
    response = client.get(reverse("alerts:from_search"), {"q": "rice"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(reverse("alerts:from_search"), {"q": "rice"}).status_code == 302


# --- The delivery log ---------------------------------------------------------------------------


@pytest.fixture
def dead_letter(member: User, endpoint: WebhookEndpoint, make_item: Any) -> Delivery:
    rice(member, channels=[{"kind": "live"}, {"kind": "webhook", "endpoint": endpoint.pk}])
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    delivery = Delivery.objects.get(kind="webhook")
    for _ in range(len(settings.BUREAU_WEBHOOK_RETRY_DELAYS) + 1):
        record_result(delivery.pk, status_code=502, error="", duration_ms=12)
    delivery.refresh_from_db()
    return delivery


def test_the_delivery_log_shows_statuses_and_attempts(
    signed_in: Client, dead_letter: Delivery
) -> None:
    url = reverse("alerts:deliveries", args=[dead_letter.subscription_id])
    html = text(signed_in.get(url))
    assert "Basmati rice, 500 tonnes, for Baku" in html and str(dead_letter.uid) in html
    assert '<span class="status status--withdrawn">Dead letter</span>' in html
    assert '<span class="status status--published">Delivered</span>' in html  # the live one
    retries = len(settings.BUREAU_WEBHOOK_RETRY_DELAYS) + 1
    assert (
        f"<summary>{retries} attempts</summary>" in html
        and html.count("<code>502</code>") == retries
    )
    assert html.count(">Redeliver</button>") == 1  # the dead webhook only, not the live delivery
    assert "Redeliver the dead letter" in html
    only_dead = text(signed_in.get(url, {"status": "dead"}))
    assert only_dead.count('<tr id="delivery-') == 1
    fragment = signed_in.get(url, {"status": "delivered"}, HTTP_HX_TARGET="delivery-log", **HTMX)
    assert "<html" not in text(fragment) and text(fragment).count('<tr id="delivery-') == 1


def test_redeliver_one_with_htmx_swaps_its_row(signed_in: Client, dead_letter: Delivery) -> None:
    url = reverse("alerts:redeliver", args=[dead_letter.uid])
    response = signed_in.post(url, **HTMX)
    assert response.status_code == 200
    html = text(response)
    assert html.strip().startswith(f'<tr id="delivery-{dead_letter.uid}">')
    assert "Queued to be sent again, with the same id." in html and ">Pending</span>" in html
    dead_letter.refresh_from_db()
    assert dead_letter.status == Delivery.Status.PENDING and dead_letter.next_attempt_at is not None
    again = signed_in.post(url, **HTMX)
    assert again.status_code == 409 and "only dead or retrying deliveries" in text(again)


def test_redeliver_without_htmx_redirects_with_a_message(
    signed_in: Client, dead_letter: Delivery
) -> None:
    response = signed_in.post(reverse("alerts:redeliver", args=[dead_letter.uid]), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "alerts:deliveries", args=[dead_letter.subscription_id]
    )
    assert "Queued to be sent again" in text(response)


def test_redeliver_all_dead_swaps_the_log(signed_in: Client, dead_letter: Delivery) -> None:
    url = reverse("alerts:redeliver_dead", args=[dead_letter.subscription_id])
    response = signed_in.post(url, HTTP_HX_TARGET="delivery-log", **HTMX)
    assert response.status_code == 200
    html = text(response)
    assert "1 dead delivery queued to be sent again." in html and "<html" not in html
    assert "Redeliver the dead letter" not in html
    assert Delivery.objects.get(pk=dead_letter.pk).status == Delivery.Status.PENDING


def test_another_member_cannot_redeliver(
    client: Client, other: User, dead_letter: Delivery
) -> None:
    client.force_login(other)
    assert client.post(reverse("alerts:redeliver", args=[dead_letter.uid])).status_code == 404
    assert Delivery.objects.get(pk=dead_letter.pk).status == Delivery.Status.DEAD


# --- Webhook endpoints --------------------------------------------------------------------------


@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True)
def test_adding_an_endpoint_shows_its_secret_once(signed_in: Client, member: User) -> None:
    response = signed_in.post(
        reverse("alerts:endpoints"), {"url": "http://127.0.0.1:9/in", "description": "ERP"}
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    html = text(response)
    assert f'id="endpoint-secret" class="code" value="{endpoint.secret}" readonly' in html
    assert "it is shown only this once" in html and "no-store" in response["Cache-Control"]
    later = text(signed_in.get(reverse("alerts:endpoints")))
    assert endpoint.secret not in later and "http://127.0.0.1:9/in" in later and "Healthy" in later

    rotated = signed_in.post(
        reverse("alerts:endpoint_rotate", args=[endpoint.pk]), HTTP_HX_TARGET="endpoints", **HTMX
    )
    endpoint.refresh_from_db()
    assert endpoint.secret in text(rotated) and "New signing secret" in text(rotated)
    assert "<html" not in text(rotated)


@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=False)
def test_a_private_endpoint_url_is_refused_beside_the_field(signed_in: Client) -> None:
    response = signed_in.post(reverse("alerts:endpoints"), {"url": "http://10.0.0.7/hook"})
    assert response.status_code == 422
    html = text(response)
    assert re.search(r'id="id_url-error">[^<]*private', html)
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*name="url"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_in_use_is_not_removed(
    signed_in: Client, member: User, endpoint: WebhookEndpoint
) -> None:
    subscription = rice(member, channels=[{"kind": "webhook", "endpoint": endpoint.pk}])
    url = reverse("alerts:endpoint_delete", args=[endpoint.pk])
    refused = signed_in.post(url, HTTP_HX_TARGET="endpoints", **HTMX)
    assert refused.status_code == 409 and "used by “Rice to Baku”" in text(refused)
    assert WebhookEndpoint.objects.exists()
    services.subscription_update(
        owner=member, subscription=subscription, data={"channels": [{"kind": "live"}]}
    )
    response = signed_in.post(url, follow=True)
    assert "The endpoint http://127.0.0.1:9/hook was removed." in text(response)
    assert not WebhookEndpoint.objects.exists()


def test_another_members_endpoint_is_not_found(
    client: Client, other: User, endpoint: WebhookEndpoint
) -> None:
    client.force_login(other)
    for name in ("alerts:endpoint_rotate", "alerts:endpoint_delete"):
        assert client.post(reverse(name, args=[endpoint.pk])).status_code == 404
    assert "127.0.0.1:9" not in text(client.get(reverse("alerts:endpoints")))


# --- The live page ------------------------------------------------------------------------------


def test_the_live_page_shows_recent_matches_and_resumes_the_stream_after_them(
    signed_in: Client, member: User, make_item: Any
) -> None:
    empty = text(signed_in.get(reverse("alerts:live")))
    assert 'data-stream="/api/v1/stream?last_event_id=0"' in empty
    assert "None of your subscriptions uses the live feed" in empty
    rice(member)
    item = make_item(publish=True)
    dispatch_pending(LiveIndex())
    delivery = Delivery.objects.get(kind="live")
    html = text(signed_in.get(reverse("alerts:live")))
    assert f'data-stream="/api/v1/stream?last_event_id={delivery.pk}"' in html
    assert 'aria-live="polite"' in html and f'data-delivery="{delivery.uid}"' in html
    assert f'href="/items/{item.pk}/">{item.title}</a>' in html and "Matched “Rice to Baku”" in html
    assert "None of your subscriptions uses the live feed" not in html
    assert 'src="/static/bureau/live.js"' in html


# --- The admin, for node admins -----------------------------------------------------------------


def test_node_admins_filter_deliveries_and_redeliver_from_the_admin(
    client: Client, admin_user: User, dead_letter: Delivery
) -> None:
    client.force_login(admin_user)
    changelist = reverse("admin:delivery_delivery_changelist")
    dead = text(client.get(changelist, {"status__exact": "dead"}))
    assert str(dead_letter.uid) in dead and "1 delivery" in dead
    assert str(dead_letter.uid) not in text(client.get(changelist, {"status__exact": "pending"}))
    response = client.post(
        changelist,
        {"action": "redeliver", "_selected_action": [dead_letter.pk], "index": 0},
        follow=True,
    )
    assert "1 delivery(ies) queued to be sent again." in text(response)
    assert Delivery.objects.get(pk=dead_letter.pk).status == Delivery.Status.PENDING
    detail = client.get(reverse("admin:delivery_delivery_change", args=[dead_letter.pk]))
    assert (
        detail.status_code == 200
        and "<code>502</code>" not in text(detail)
        and "502" in text(detail)
    )


def test_the_admin_never_shows_a_signing_secret(
    client: Client, admin_user: User, endpoint: WebhookEndpoint, member: User
) -> None:
    rice(member, channels=[{"kind": "webhook", "endpoint": endpoint.pk}])
    client.force_login(admin_user)
    for url in (
        reverse("admin:alerts_webhookendpoint_changelist"),
        reverse("admin:alerts_webhookendpoint_change", args=[endpoint.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and "127.0.0.1:9/hook" in text(response)
        assert endpoint.secret not in text(response)
    subscription_page = client.get(
        reverse("admin:alerts_subscription_change", args=[Subscription.objects.get().pk])
    )
    assert "Rice to Baku" in text(subscription_page)
    assert Channel.objects.get().feed_token not in text(subscription_page)


def test_chamber_staff_do_not_see_subscriptions_in_the_admin(
    client: Client, staff_az: User, member: User
) -> None:
    rice(member)
    client.force_login(staff_az)
    assert client.get(reverse("admin:alerts_subscription_changelist")).status_code == 403
    assert client.get(reverse("admin:delivery_delivery_changelist")).status_code == 403
