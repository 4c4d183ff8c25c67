from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language_bidi

from bureau.accounts.models import PREFERRED_CURRENCIES
from bureau.accounts.permissions import is_staff_user
from bureau.accounts.preferences import preferred_currency
from bureau.inbox.selectors import unread_count


def bureau(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the node, the country pair, text direction and the user's powers."""
    return {
        "node_name": settings.BUREAU_NODE_NAME,
        "node_title": settings.BUREAU_NODE_TITLE,
        "country_pair": settings.BUREAU_COUNTRY_PAIR,
        "is_rtl": get_language_bidi(),
        "is_staff_user": is_staff_user(getattr(request, "user", None)),
        "inbox_unread": lambda: unread_count(getattr(request, "user", None)),
        "preferred_currency": preferred_currency(request),
        "currency_codes": [code for code, _name in PREFERRED_CURRENCIES],
    }
