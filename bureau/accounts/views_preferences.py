"""The language switch and the account's preferences (language, currency)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from bureau.accounts import services
from bureau.accounts.models import INTERFACE_LANGUAGES, User
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
