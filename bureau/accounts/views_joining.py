"""Web pages for joining: sign up, confirm the address, reset a password, the account page with
"sign out everywhere", and requests to join an organisation.

Every path that takes an email address or a password from a stranger is rate-limited
(``bureau.core.ratelimit``): per client address, and per email address where one is given.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bureau.accounts import joining
from bureau.accounts.models import (
    INTERFACE_LANGUAGES,
    PREFERRED_CURRENCIES,
    MembershipRequest,
    Organisation,
    User,
)
from bureau.core import ratelimit
from bureau.core.addresses import public_url
from bureau.core.errors import Conflict, PermissionDenied, ValidationFailed
from bureau.core.redirects import safe_next
from bureau.reference.countries import currency_choices

JOINABLE = (Organisation.Kind.COMPANY, Organisation.Kind.INVESTOR, Organisation.Kind.CARRIER)


def _refused(request: HttpRequest, scope: str, email: str = "") -> ratelimit.Verdict | None:
    """Count one attempt by client address (and by email); the verdict if either is over."""
    rate = settings.ACCOUNT_EMAIL_RATE_LIMIT
    verdicts = [ratelimit.hit(f"{scope}-address", ratelimit.client_address(request), rate)]
    if email:
        verdicts.append(ratelimit.hit(f"{scope}-email", email.strip().lower(), rate))
    refused = [v for v in verdicts if not v.allowed]
    return max(refused, key=lambda v: v.retry_after) if refused else None


def _too_many(request: HttpRequest, template: str, context: dict[str, Any], verdict: Any) -> Any:
    response = render(request, template, {**context, "refused": verdict}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _send(subject: str, template: str, context: dict[str, Any], to: str) -> None:
    body = render_to_string(template, context)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)
    )


# --- Sign up and confirm --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    """A trader account of one's own; it works once the address is confirmed by email."""
    if not settings.BUREAU_SIGNUP:
        raise Http404(_("This node does not take sign-ups."))
    if request.user.is_authenticated:
        return redirect("accounts:account")
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    context: dict[str, Any] = {"next": next_url, "values": request.POST, "errors": {}}
    if request.method == "GET":
        return render(request, "accounts/signup.html", context)
    email = str(request.POST.get("email", ""))
    if verdict := _refused(request, "signup", email):
        return _too_many(request, "accounts/signup.html", context, verdict)
    try:
        user = joining.user_sign_up(email=email, password=request.POST.get("password", ""))
    except ValidationFailed as failed:
        context["errors"] = {e.field: e.message for e in failed.errors}
        return render(request, "accounts/signup.html", context, status=422)
    _mail_confirmation(request, user, email.strip().lower(), next_url)
    return redirect(f"{reverse('accounts:signup_sent')}?{urlencode({'email': email})}")


def _mail_confirmation(request: HttpRequest, user: User | None, email: str, next_url: str) -> None:
    context: dict[str, Any] = {"node_title": settings.BUREAU_NODE_TITLE}
    if user is None:  # the address has an account: say so to its owner only
        context["reset_url"] = public_url(reverse("password_reset"), request=request)
        _send(_("You already have an account"), "accounts/email/exists.txt", context, email)
        return
    link = joining.confirmation_path(user) + (
        f"?{urlencode({'next': next_url})}" if next_url else ""
    )
    context["confirm_url"] = public_url(link, request=request)
    context["hours"] = settings.PASSWORD_RESET_TIMEOUT // 3600
    _send(_("Confirm your email address"), "accounts/email/confirm.txt", context, user.email)


def sign_up_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_sent.html", {"email": request.GET.get("email", "")})


@require_http_methods(["GET"])
def confirm(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    """The link in the confirmation email: activate, sign in, and go where the person was going."""
    if verdict := _refused(request, "confirm"):
        return _too_many(request, "accounts/confirm_failed.html", {}, verdict)
    user = joining.user_confirm(uid=uid, token=token)
    if user is None:
        return render(request, "accounts/confirm_failed.html", status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Your address is confirmed and you are signed in."))
    return redirect(safe_next(request, request.GET.get("next")) or reverse("accounts:account"))


# --- Password reset, with Django's views and the bureau's rate limit ----------------------------


class PasswordReset(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if verdict := _refused(request, "reset", str(request.POST.get("email", ""))):
            form = self.get_form_class()()
            return _too_many(request, self.template_name, {"form": form}, verdict)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        # Links in the email lead to the node's public address (or the one asked at).
        base = urlsplit(public_url(request=self.request))
        self.domain_override = base.netloc
        self.extra_email_context = {
            "protocol": base.scheme,
            "node_title": settings.BUREAU_NODE_TITLE,
        }
        return super().form_valid(form)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = False

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if verdict := _refused(request, "reset-confirm"):
            return _too_many(request, self.template_name, {"validlink": False}, verdict)
        return super().post(request, *args, **kwargs)


# --- The account page ------------------------------------------------------------------------------


def _me(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


@login_required
@require_http_methods(["GET"])
def account(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    context = {
        "joinable": Organisation.objects.filter(kind__in=JOINABLE, origin_node="").order_by("name")
        if user.organisation_id is None
        else [],
        "mine": MembershipRequest.objects.filter(user=user).select_related("organisation")[:20],
        "to_decide": joining.requests_to_decide(user),
        "language_choices": INTERFACE_LANGUAGES,
        "currency_choices": currency_choices([code for code, _name in PREFERRED_CURRENCIES]),
    }
    return render(request, "accounts/account.html", context)


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    joining.user_sign_out_everywhere(user=_me(request))
    logout(request)
    messages.success(request, _("You are signed out on every device, this one too."))
    return redirect("web:login")


@login_required
@require_POST
def join(request: HttpRequest) -> HttpResponse:
    """Ask to act for an organisation of the directory."""
    user = _me(request)
    organisation = get_object_or_404(
        Organisation, slug=str(request.POST.get("organisation", ""))[:220]
    )
    try:
        joining.membership_request(
            user=user, organisation=organisation, message=request.POST.get("message", "")
        )
    except (ValidationFailed, Conflict) as error:
        messages.error(request, error.message)
        return redirect("accounts:account")
    messages.success(
        request,
        _("Asked to join %(organisation)s. Its people or its chamber will decide.")
        % {"organisation": organisation.name},
    )
    return redirect("accounts:account")


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(MembershipRequest, pk=pk)
    approve = request.POST.get("approve") == "1"
    try:
        joining.membership_decide(actor=_me(request), request=membership, approve=approve)
    except PermissionDenied as denied:
        raise Forbidden(denied.message) from denied
    except Conflict as conflict:
        messages.error(request, conflict.message)
        return redirect("accounts:account")
    messages.success(request, _("Approved.") if approve else _("Refused."))
    return redirect("accounts:account")
