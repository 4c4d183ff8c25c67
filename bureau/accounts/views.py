"""Web pages of the accounts app: sign in and out, the directory and organisation pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bureau.accounts import permissions, selectors
from bureau.accounts.forms import DirectoryFilterForm
from bureau.accounts.models import Organisation, User
from bureau.accounts.services import organisation_verify as verify_service
from bureau.catalog.selectors import ItemFilters, item_list
from bureau.core import ratelimit
from bureau.core.errors import PermissionDenied, ValidationFailed

DIRECTORY_PAGE_SIZE = 30
ITEMS_ON_ORGANISATION_PAGE = 20


# --- Sign in and out ----------------------------------------------------------------------------


def _login_refused(request: HttpRequest) -> ratelimit.Verdict | None:
    """Count a sign-in attempt per client address and per email; the verdict if one is over."""
    rate = settings.LOGIN_RATE_LIMIT
    by_address = ratelimit.hit("login-address", ratelimit.client_address(request), rate)
    email = str(request.POST.get("username", "")).strip().lower()
    by_email = ratelimit.hit("login-email", email, rate) if email else by_address
    refused = [v for v in (by_address, by_email) if not v.allowed]
    return max(refused, key=lambda v: v.retry_after) if refused else None


class SignInView(auth_views.LoginView):
    """Django's sign-in, with attempts limited by settings.LOGIN_RATE_LIMIT."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = _login_refused(request)
        if refused is None:
            return super().post(request, *args, **kwargs)
        # An unbound form: validating it would try the password once more.
        form = self.get_form_class()(request, initial={"username": request.POST.get("username")})
        context = self.get_context_data(form=form, refused=refused)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(refused.retry_after)
        return response


# --- Directory ----------------------------------------------------------------------------------


def _organisations(filters: dict[str, Any]) -> QuerySet[Organisation]:
    qs = Organisation.objects.select_related("verified_by", "chamber").order_by("name")
    if filters.get("q"):
        qs = qs.filter(name__icontains=filters["q"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("country"):
        qs = qs.filter(country=filters["country"])
    if filters.get("verified"):
        qs = qs.verified()
    return qs


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET)
    page = Paginator(_organisations(form.filters()), DIRECTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/directory.html", {"form": form, "page": page})


def _verification(
    user: Any, organisation: Organisation, message: str = "", error: str = ""
) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "mark": selectors.verified_mark(organisation),
        "history": selectors.verification_history(user, organisation),
        "can_verify": permissions.can_verify(user, organisation),
        "message": message,
        "error": error,
    }


@require_GET
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(
        Organisation.objects.select_related("verified_by", "chamber").prefetch_related("contacts"),
        slug=slug,
    )
    items = item_list(ItemFilters(concerning=slug, sort="newest"))
    context = {
        "organisation": organisation,
        "items": list(items[:ITEMS_ON_ORGANISATION_PAGE]),
        "item_count": items.count(),
        "verification": _verification(request.user, organisation),
    }
    return render(request, "accounts/organisation.html", context)


@login_required
@require_POST
def organisation_verify(request: HttpRequest, slug: str) -> HttpResponse:
    """Set or clear the verified mark; htmx gets the verification block back."""
    assert isinstance(request.user, User)
    organisation = get_object_or_404(Organisation.objects.select_related("chamber"), slug=slug)
    verified = request.POST.get("verified") == "1"
    try:
        organisation = verify_service(
            actor=request.user,
            organisation=organisation,
            verified=verified,
            checked=request.POST.get("checked", ""),
        )
    except PermissionDenied as denied:
        raise Forbidden(denied.message) from denied
    except ValidationFailed as failed:
        error = failed.errors[0].message
        context = {"verification": _verification(request.user, organisation, error=error)}
        return render(request, "accounts/_verification.html", context, status=422)
    message = _("Marked as verified.") if verified else _("Verified mark removed.")
    if request.headers.get("HX-Request") == "true":
        context = {"verification": _verification(request.user, organisation, message)}
        return render(request, "accounts/_verification.html", context)
    return redirect("accounts:organisation", slug=slug)
