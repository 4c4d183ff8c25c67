"""Web pages of subscriptions: the list, the form, the delivery log with redelivery, webhook
endpoints, the live feed, and "Save this search" from the browse page.

Each view parses its input, finds the member's own records through ``bureau.alerts.selectors``
(another member's are a 404), calls a service and renders. htmx requests get the fragment
they swap in.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bureau.accounts.models import User
from bureau.alerts import forms, selectors, services
from bureau.alerts.models import Channel, Subscription, WebhookEndpoint
from bureau.catalog import forms as catalog_forms
from bureau.catalog.models import Kind
from bureau.core.errors import Conflict, NotFound, ValidationFailed
from bureau.delivery.models import Delivery

PAGE_SIZE = 25
LIVE_BACKLOG = 20


def _is_partial(request: HttpRequest, target: str) -> bool:
    """An htmx swap of ``target`` (not a history restore, which needs the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and not request.headers.get("HX-History-Restore-Request")
        and request.headers.get("HX-Target") == target
    )


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def _subscription(user: User, pk: int) -> Subscription:
    try:
        return selectors.subscription_get(owner=user, pk=pk)
    except NotFound:
        raise Http404(_("There is no such subscription.")) from None


def _endpoint(user: User, pk: int) -> WebhookEndpoint:
    try:
        return selectors.endpoint_get(owner=user, pk=pk)
    except NotFound:
        raise Http404(_("There is no such webhook endpoint.")) from None


# --- The list and the form ----------------------------------------------------------------------


@login_required
@require_GET
def subscription_list(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "subscription": s,
            "criteria": forms.criteria_summary(s),
            "channels": [
                (c, selectors.feed_url(c, request=request)) for c in selectors.channels_of(s)
            ],
            "failing": selectors.failing_endpoints(s),
        }
        for s in selectors.subscriptions_of(_user(request))
    ]
    return render(request, "alerts/list.html", {"rows": rows})


def _form_page(
    request: HttpRequest, form: forms.SubscriptionForm, subscription: Subscription | None
) -> HttpResponse:
    context = {
        "form": form,
        "subscription": subscription,
        "from_search": not form.is_bound and request.GET.get("from_search") == "1",
    }
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "alerts/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def subscription_new(request: HttpRequest) -> HttpResponse:
    """A new subscription; a query string (from "Save this search") prefills the criteria."""
    user = _user(request)
    endpoints = list(selectors.endpoints_of(user))
    if request.method == "POST":
        form = forms.SubscriptionForm(request.POST, endpoints=endpoints)
    else:
        initial = forms.initial_from_query(request.GET)
        form = forms.SubscriptionForm(initial=initial, endpoints=endpoints)
    if form.is_bound and form.is_valid():
        try:
            created = services.subscription_create(owner=user, data=form.service_data())
        except ValidationFailed as failed:
            form.add_service_errors(failed)
        else:
            messages.success(request, _("Subscription “%(name)s” saved.") % {"name": created.name})
            return redirect("alerts:list")
    return _form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    subscription = _subscription(user, pk)
    endpoints = list(selectors.endpoints_of(user))
    initial = forms.initial_from_subscription(subscription)
    data = request.POST if request.method == "POST" else None
    form = forms.SubscriptionForm(data, initial=initial, endpoints=endpoints)
    if form.is_bound and form.is_valid():
        try:
            services.subscription_update(
                owner=user, subscription=subscription, data=form.service_data()
            )
        except ValidationFailed as failed:
            form.add_service_errors(failed)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("alerts:list")
    return _form_page(request, form, subscription)


@login_required
@require_http_methods(["GET", "POST"])
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST deletes."""
    user = _user(request)
    subscription = _subscription(user, pk)
    if request.method == "POST":
        services.subscription_delete(owner=user, subscription=subscription)
        done = _("Subscription “%(name)s” deleted.") % {"name": subscription.name}
        messages.success(request, done)
        return redirect("alerts:list")
    return render(request, "alerts/delete.html", {"subscription": subscription})


@login_required
@require_http_methods(["GET", "POST"])
def from_search(request: HttpRequest) -> HttpResponse:
    """The browse page's "Save this search": its filters prefill a form the member confirms.

    It saves nothing, so a GET works too: a visitor's "Save this search" is a link here, which
    takes them through sign-in or sign-up and back."""
    params = request.POST if request.method == "POST" else request.GET
    filters, _errors = catalog_forms.parse_browse_filters(params)  # bad ones are left out
    chips = catalog_forms.active_filters(params, filters, quote_words=False)
    # Pages quote a subscription's name wherever they show it; the words go in without quotes.
    name = ", ".join(str(label) for label, _link in chips)
    query = forms.criteria_query(name, selectors.criteria_from_filters(filters))
    query["from_search"] = "1"
    return redirect(f"{reverse('alerts:new')}?{query.urlencode()}")


# --- The delivery log ---------------------------------------------------------------------------


def _row(delivery: Delivery, message: str = "", error: bool = False) -> dict[str, Any]:
    return {
        "delivery": delivery,
        "kind_label": Channel.Kind(delivery.kind).label
        if delivery.kind in Channel.Kind.values
        else delivery.kind,
        "redeliverable": services.redeliver_refusal(delivery) is None,
        "message": message,
        "error": error,
    }


def _log_context(request: HttpRequest, subscription: Subscription) -> dict[str, Any]:
    user = _user(request)
    status = request.GET.get("status", "")
    status = status if status in Delivery.Status.values else ""
    log = selectors.delivery_log(owner=user, subscription=subscription, status=status)
    page = Paginator(log, PAGE_SIZE).get_page(request.GET.get("page"))
    dead = selectors.delivery_log(owner=user, subscription=subscription, status="dead").count()
    return {
        "subscription": subscription,
        "page": page,
        "rows": [_row(d) for d in page.object_list],
        "status": status,
        "statuses": Delivery.Status.choices,
        "dead_count": dead,
    }


@login_required
@require_GET
def delivery_log(request: HttpRequest, pk: int) -> HttpResponse:
    context = _log_context(request, _subscription(_user(request), pk))
    partial = _is_partial(request, "delivery-log")
    return render(request, "alerts/_log.html" if partial else "alerts/deliveries.html", context)


@login_required
@require_POST
def redeliver(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """Send one dead or retrying delivery again; htmx gets its table row back."""
    user = _user(request)
    try:
        delivery = selectors.delivery_get(owner=user, uid=uid)
        services.delivery_redeliver(owner=user, delivery=delivery)
        message, status = _("Queued to be sent again, with the same id."), 200
    except NotFound:
        raise Http404(_("There is no such delivery.")) from None
    except Conflict as conflict:
        message, status = conflict.message, 409
    if request.headers.get("HX-Request") == "true":
        row = _row(selectors.delivery_get(owner=user, uid=uid), message, error=status != 200)
        return render(request, "alerts/_delivery_row.html", {"row": row}, status=status)
    (messages.error if status != 200 else messages.success)(request, message)
    return redirect("alerts:deliveries", pk=delivery.subscription_id)


@login_required
@require_POST
def redeliver_dead(request: HttpRequest, pk: int) -> HttpResponse:
    """Send every dead letter of the subscription again; htmx gets the log back."""
    user = _user(request)
    subscription = _subscription(user, pk)
    count = services.subscription_redeliver_dead(owner=user, subscription=subscription)
    message = ngettext(
        "%(count)d dead delivery queued to be sent again.",
        "%(count)d dead deliveries queued to be sent again.",
        count,
    ) % {"count": count}
    if _is_partial(request, "delivery-log"):
        context = {**_log_context(request, subscription), "message": message}
        return render(request, "alerts/_log.html", context)
    messages.success(request, message)
    return redirect("alerts:deliveries", pk=pk)


# --- Webhook endpoints --------------------------------------------------------------------------


def _endpoints_page(
    request: HttpRequest, *, form: forms.EndpointForm | None = None, status: int = 200, **extra: Any
) -> HttpResponse:
    """The endpoints page (or its htmx fragment); ``secret`` is shown once, never cached."""
    context = {
        "endpoints": [
            (e, selectors.endpoint_users(e)) for e in selectors.endpoints_of(_user(request))
        ],
        "form": form or forms.EndpointForm(),
        **extra,
    }
    partial = _is_partial(request, "endpoints")
    template = "alerts/_endpoints.html" if partial else "alerts/endpoints.html"
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def endpoints(request: HttpRequest) -> HttpResponse:
    """The member's webhook endpoints; POST adds one and shows its secret this once."""
    if request.method != "POST":
        return _endpoints_page(request)
    form = forms.EndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                owner=_user(request),
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
            )
        except ValidationFailed as failed:
            form.add_service_errors(failed)
        else:
            return _endpoints_page(request, secret=secret, secret_for=endpoint)
    return _endpoints_page(request, form=form, status=422)


@login_required
@require_POST
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    endpoint = _endpoint(user, pk)
    secret = services.endpoint_rotate_secret(owner=user, endpoint=endpoint)
    return _endpoints_page(request, secret=secret, secret_for=endpoint, rotated=True)


@login_required
@require_POST
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    endpoint = _endpoint(user, pk)
    try:
        services.endpoint_delete(owner=user, endpoint=endpoint)
        message, status = _("The endpoint %(url)s was removed.") % {"url": endpoint.url}, 200
    except Conflict as conflict:
        message, status = conflict.message, 409
    if _is_partial(request, "endpoints"):
        return _endpoints_page(request, status=status, message=message, error=status != 200)
    (messages.error if status != 200 else messages.success)(request, message)
    return redirect("alerts:endpoints")


# --- The live feed ------------------------------------------------------------------------------


@login_required
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """The newest live matches, then the event stream adds new ones (see static/bureau/live.js)."""
    user = _user(request)
    recent = selectors.live_deliveries(owner=user, limit=LIVE_BACKLOG)
    # Resume after the newest one shown, so that nothing published meanwhile is missed.
    after = recent[0].pk if recent else 0
    context = {
        "recent": recent,
        "stream_url": f"{reverse('live-stream')}?last_event_id={after}",
        "kind_labels": {value: str(label) for value, label in Kind.choices},
        "has_live_channel": any(
            c.kind == Channel.Kind.LIVE
            for s in selectors.subscriptions_of(user)
            for c in selectors.channels_of(s)
        ),
    }
    return render(request, "alerts/live.html", context)
