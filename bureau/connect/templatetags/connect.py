"""``{% facilitated %}``: business facilitated through the bureau, for the trade monitor and
(``{% facilitated organisation %}``) an organisation's page, where both sides agreed to show it."""

from __future__ import annotations

from typing import Any

from django import template

from bureau.accounts.models import Organisation
from bureau.connect.charts import facilitated_chart
from bureau.connect.selectors import deals_facilitated
from bureau.trade import charts

register = template.Library()


@register.inclusion_tag("connect/_facilitated.html")
def facilitated(organisation: Organisation | None = None) -> dict[str, Any]:
    deals = deals_facilitated(organisation=organisation)
    return {
        "deals": deals,
        "wide": facilitated_chart(deals) if deals and organisation is None else "",
        "narrow": facilitated_chart(deals, charts.Layout(charts.NARROW))
        if deals and organisation is None
        else "",
        "organisation": organisation,
        "total": sum((d.value_usd for d in deals), start=0),
    }
