"""Web pages of the catalog: browse, item, entry forms, moderation and bulk import.

Each view parses its input, checks access through ``bureau.accounts.permissions``, calls a
catalog service or selector, and renders. htmx requests get the fragment they swap in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bureau.accounts import permissions
from bureau.accounts.models import User
from bureau.catalog import forms, importing, services
from bureau.catalog.models import Agreement, Item, Kind, Status
from bureau.catalog.selectors import (
    ItemFilters,
    facet_counts,
    item_as_record,
    item_get,
    item_list,
    items_visible_to,
)
from bureau.core.errors import Conflict, PermissionDenied, ValidationFailed
from bureau.reference import hs

PAGE_SIZE = 20
MODERATION_QUEUE_LIMIT = 500

# Moderation buttons: URL word -> (status it leads to, service, button label).
ACTIONS: dict[str, tuple[str, Any, Any]] = {
    "submit": (Status.SUBMITTED, services.item_submit, gettext_lazy("Submit for review")),
    "publish": (Status.PUBLISHED, services.item_publish, gettext_lazy("Publish")),
    "return": (Status.DRAFT, services.item_return_to_draft, gettext_lazy("Return to draft")),
    "withdraw": (Status.WITHDRAWN, services.item_withdraw, gettext_lazy("Withdraw")),
}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _is_partial(request: HttpRequest, target: str) -> bool:
    """An htmx swap of ``target`` (not a history restore, which needs the whole page)."""
    return (
        _is_htmx(request)
        and not request.headers.get("HX-History-Restore-Request")
        and request.headers.get("HX-Target") == target
    )


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


# --- Browse -----------------------------------------------------------------------------------


@require_GET
def browse(request: HttpRequest) -> HttpResponse:
    user = request.user
    own = bool(getattr(user, "organisation_id", None) or getattr(user, "is_node_admin", False))
    filters, errors = forms.parse_browse_filters(request.GET, own_statuses=own)
    public = filters.status == Status.PUBLISHED
    # Other statuses: only the items the signed-in person may list (their organisation's).
    base = None if public else items_visible_to(user)
    page = Paginator(item_list(filters, base=base), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "errors": errors,
        "hidden_errors": {k: v for k, v in errors.items() if k in forms.HIDDEN_FILTERS},
        "page": page,
        "params": request.GET,
        "facets": forms.facet_groups(request.GET, filters, facet_counts(filters) if public else {}),
        "chips": forms.active_filters(request.GET, filters),
        "sorts": forms.SORT_LABELS,
        "content_languages": [code for code, _name in settings.LANGUAGES],
        "own_status": "" if public else Status(filters.status).label,
        "partial": _is_partial(request, "browse"),
    }
    response = render(
        request,
        "catalog/_browse_body.html" if context["partial"] else "catalog/browse.html",
        context,
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def hs_suggest(request: HttpRequest) -> HttpResponse:
    """HS codes for an autocomplete list, as <option> elements."""
    query = next((request.GET[k] for k in ("q", "hs", "hs_code") if request.GET.get(k)), "")
    codes = hs.search(query[:100], limit=15) if query.strip() else []
    return render(request, "catalog/_hs_options.html", {"codes": codes})


# --- Item page and moderation -------------------------------------------------------------------


def _visible_item(user: Any, pk: int) -> Item:
    """The item if ``user`` may see it: published ones for everybody, others for its people."""
    item = item_get(pk=pk)
    if item is None:
        raise Http404(_("There is no such item."))
    if not permissions.can_view_item(user, item):
        raise Http404(_("There is no such item."))
    return item


def allowed_actions(user: Any, item: Item) -> list[tuple[str, Any]]:
    """The moderation buttons ``user`` may press now, as (action, label)."""
    allowed = []
    for action, (to, _service, label) in ACTIONS.items():
        from_statuses, may = services.TRANSITIONS[Status(to)]
        if item.status in from_statuses and may(user, item):
            allowed.append((action, label))
    return allowed


def _panel(user: Any, item: Item, message: str = "", error: bool = False) -> dict[str, Any]:
    """Status, buttons and audit trail of an item, as shown to ``user``."""
    may_see_trail = permissions.acts_for(user, item.organisation)
    return {
        "item": item,
        "actions": allowed_actions(user, item),
        "can_edit": permissions.can_edit_item(user, item),
        "trail": list(item.transitions.select_related("actor")) if may_see_trail else None,
        "message": message,
        "error": error,
    }


def _item_context(user: Any, item: Item) -> dict[str, Any]:
    detail = item.detail
    context: dict[str, Any] = {"item": item, "detail": detail, "panel": _panel(user, item)}
    if isinstance(detail, Agreement):
        context["extensions"] = list(detail.extensions.all())
        context["milestones"] = list(detail.milestones.all())
    return context


@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible_item(request.user, pk)
    return render(request, "catalog/item.html", _item_context(request.user, item))


DONE = {
    "submit": gettext_lazy("Submitted for review."),
    "publish": gettext_lazy("Published."),
    "return": gettext_lazy("Returned to draft."),
    "withdraw": gettext_lazy("Withdrawn."),
}


@login_required
@require_POST
def item_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit, publish, return or withdraw; htmx gets the panel (or queue row) back."""
    if action not in ACTIONS:
        raise Http404
    user = _user(request)
    item = _visible_item(user, pk)
    message, status = str(DONE[action]), 200
    note = {"note": request.POST.get("note", "")} if action in ("return", "withdraw") else {}
    try:
        ACTIONS[action][1](actor=user, item=item, **note)
    except PermissionDenied as denied:
        if not _is_htmx(request):
            raise Forbidden(denied.message) from denied
        message, status = denied.message, 403
    except Conflict as conflict:
        message, status = conflict.message, 409
    except ValidationFailed as failed:
        message, status = _("The reason %(reason)s.") % {"reason": failed.errors[0].message}, 422
    as_row = request.POST.get("view") == "row"
    if _is_htmx(request):
        return _action_fragment(request, _visible_item(user, pk), as_row, message, status)
    (messages.error if status != 200 else messages.success)(request, message)
    return redirect("catalog:moderation") if as_row else redirect("catalog:item", pk=pk)


def _action_fragment(
    request: HttpRequest, item: Item, as_row: bool, message: str, status: int
) -> HttpResponse:
    """The moderation queue row or the item's status panel, after an action."""
    failed = status != 200
    if as_row:
        row = _queue_row(request.user, item)
        context = {"row": row, "message": message, "error": failed}
        return render(request, "catalog/_moderation_row.html", context, status=status)
    panel = _panel(request.user, item, message, error=failed)
    return render(request, "catalog/_item_panel.html", {"panel": panel}, status=status)


@login_required
@require_GET
def moderation(request: HttpRequest) -> HttpResponse:
    """Submitted items that the signed-in moderator may publish or return."""
    user = _user(request)
    if not permissions.is_staff_user(user):
        raise Forbidden(_("Only chamber staff moderate."))
    # Staff see their chamber's items and its members': exactly the ones they moderate.
    queue = item_list(
        ItemFilters(status=Status.SUBMITTED, sort="newest"), base=items_visible_to(user)
    )[:MODERATION_QUEUE_LIMIT]
    rows = [_queue_row(user, item) for item in queue]
    return render(request, "catalog/moderation.html", {"rows": rows})


EXPIRY_WARNING_DAYS = 14


def expiry_warning(item: Item) -> str:
    """A warning when ``item`` expires within two weeks or already should have; else ''."""
    if item.valid_until is None:
        return ""
    days = (item.valid_until - timezone.localdate()).days
    if days < 0:
        return _("Its valid-until date (%(date)s) has passed: it cannot be published as it is.") % {
            "date": date_format(item.valid_until, "j M Y")
        }
    if days > EXPIRY_WARNING_DAYS:
        return ""
    if days == 0:
        return _("It expires after today.")
    return ngettext(
        "It expires in %(days)d day, after %(date)s.",
        "It expires in %(days)d days, after %(date)s.",
        days,
    ) % {"days": days, "date": date_format(item.valid_until, "j M Y")}


def _queue_row(user: Any, item: Item) -> dict[str, Any]:
    return {"item": item, "actions": allowed_actions(user, item), "warning": expiry_warning(item)}


# --- Entry forms --------------------------------------------------------------------------------


def _form_response(request: HttpRequest, form: forms.ItemForm, item: Item | None) -> HttpResponse:
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "catalog/item_form.html", {"form": form, "item": item}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def item_new(request: HttpRequest) -> HttpResponse:
    """Choose a kind, then fill in its fields; the item is saved as a draft."""
    user = _user(request)
    kind = request.GET.get("kind", "")
    if kind not in Kind.values:
        bad = _("'%(kind)s' is not a kind of item.") % {"kind": kind} if kind else ""
        return render(request, "catalog/item_kind.html", {"kinds": Kind.choices, "error": bad})
    organisations = forms.organisations_for(user)
    if not organisations:
        raise Forbidden(_("You do not belong to an organisation that can enter information."))
    initial = {"organisation": organisations[0].slug, "language": "en"}
    if user.organisation is not None and user.organisation in organisations:
        initial["organisation"] = user.organisation.slug
    data = request.POST if request.method == "POST" else None
    form = forms.ItemForm(data, kind=kind, organisations=organisations, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            item = services.item_create(actor=user, data={"kind": kind, **form.service_data()})
        except ValidationFailed as failed:
            form.add_service_errors(failed)
        except PermissionDenied as denied:
            raise Forbidden(denied.message) from denied
        else:
            messages.success(request, _("Saved as a draft."))
            return redirect("catalog:item", pk=item.pk)
    return _form_response(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = _visible_item(user, pk)
    if not permissions.can_edit_item(user, item):
        raise Forbidden(_("You cannot edit this item."))
    initial = forms.initial_from_record(item_as_record(item))
    data = request.POST if request.method == "POST" else None
    form = forms.ItemForm(data, kind=item.kind, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.item_update(actor=user, item=item, data=form.service_data())
        except ValidationFailed as failed:
            form.add_service_errors(failed)
        except PermissionDenied as denied:
            raise Forbidden(denied.message) from denied
        else:
            messages.success(request, _("Changes saved."))
            return redirect("catalog:item", pk=item.pk)
    return _form_response(request, form, item)


# --- Bulk import --------------------------------------------------------------------------------

TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a CSV, XLSX or JSON file; show the row-numbered report."""
    user = _user(request)
    may_publish = permissions.is_staff_user(user)
    form = forms.ImportForm(
        request.POST if request.method == "POST" else None, request.FILES or None
    )
    if not may_publish:
        del form.fields["publish"]
    report, made = None, []
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        started = timezone.now()
        try:
            report = importing.import_items(
                upload,
                filename=upload.name,
                actor=user,
                dry_run=form.cleaned_data["dry_run"],
                skip_invalid=form.cleaned_data["skip_invalid"],
                publish=may_publish and form.cleaned_data.get("publish", False),
            )
        except ValidationFailed as failed:
            form.add_error("file", failed.message)
        except PermissionDenied as denied:
            raise Forbidden(denied.message) from denied
        if report is not None and report.imported and not report.dry_run:
            made = _made_by_import(user, started)
    status = 422 if form.errors or (report is not None and not report.ok) else 200
    context = {"form": form, "report": report, "made": made, "formats": list(TEMPLATE_TYPES)}
    return render(request, "catalog/import.html", context, status=status)


MADE_SHOWN = 100


def _made_by_import(user: User, started: Any) -> list[Item]:
    """The items ``user``'s import just saved (one transaction, so one creation time)."""
    return list(
        Item.objects.filter(created_by=user, created_at__gte=started).order_by("id")[:MADE_SHOWN]
    )


@require_GET
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in TEMPLATE_TYPES:
        raise Http404
    response = HttpResponse(importing.template_file(fmt), content_type=TEMPLATE_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="bureau-items-template.{fmt}"'
    return response
