"""The language switch and the account's preferences (language, currency)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from bureau.accounts import services
from bureau.accounts.models import INTERFACE_LANGUAGES, User
from bureau.accounts.preferences import CURRENCY_COOKIE, CURRENCY_COOKIE_AGE, offered_currency
from bureau.core.errors import ValidationFailed


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (cookie, back to ``next``); a signed-in user's choice is also
    kept in the profile, so it follows them to every device and into their emails."""
    response = i18n.set_language(request)
    language = str(request.POST.get("language", ""))
    if request.user.is_authenticated and language in dict(INTERFACE_LANGUAGES):
        assert isinstance(request.user, User)
        services.user_preferences_set(user=request.user, language=language)
    return response


@require_POST
def set_currency(request: HttpRequest) -> HttpResponse:
    """The currency selector of every page: a visitor's choice is kept in a cookie, a signed-in
    person's in the profile too; back to ``next`` (a path on this site only)."""
    currency = offered_currency(request.POST.get("currency"))
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        services.user_preferences_set(user=request.user, currency=currency)
    back = str(request.POST.get("next", ""))
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    response = HttpResponseRedirect(back)
    if currency:
        response.set_cookie(CURRENCY_COOKIE, currency, max_age=CURRENCY_COOKIE_AGE, samesite="Lax")
    else:
        response.delete_cookie(CURRENCY_COOKIE, samesite="Lax")
    return response


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Save the language and currency chosen on the account page."""
    assert isinstance(request.user, User)
    try:
        user = services.user_preferences_set(
            user=request.user,
            language=str(request.POST.get("language", ""))[:8],
            currency=str(request.POST.get("currency", ""))[:3],
        )
    except ValidationFailed as error:
        for field_error in error.errors:
            messages.error(request, f"{field_error.field}: {field_error.message}")
        return redirect("accounts:account")
    if user.language:
        translation.activate(user.language)
    messages.success(request, _("Your preferences are saved."))
    response = redirect("accounts:account")
    if user.language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
    return response
