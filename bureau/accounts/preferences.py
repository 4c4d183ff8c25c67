"""Which currency a reader wants amounts shown in as well: a signed-in person's profile, or,
for a visitor, the cookie the currency selector sets."""

from __future__ import annotations

from typing import Any

from bureau.accounts.models import PREFERRED_CURRENCIES

CURRENCY_COOKIE = "bureau_currency"
CURRENCY_COOKIE_AGE = 365 * 24 * 3600


def offered_currency(value: object) -> str:
    """``value`` when it is a currency amounts can be shown in, else '' (original only)."""
    code = str(value or "").strip().upper()[:3]
    return code if code in dict(PREFERRED_CURRENCIES) else ""


def preferred_currency(request: Any) -> str:
    """The reader's preferred currency ('' when none): a signed-in person's profile decides,
    so the choice follows them to every device; a visitor's cookie otherwise."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return str(user.currency or "")
    cookies = getattr(request, "COOKIES", {})
    return offered_currency(cookies.get(CURRENCY_COOKIE))
