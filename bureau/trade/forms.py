"""Forms of the trade pages: the statistics upload and the dashboard's own settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bureau.trade.importing import FORMATS

FORMAT_LABELS = {
    "comtrade": _("UN Comtrade bulk CSV"),
    "baci": _("CEPII BACI (t,i,j,k,v,q)"),
    "wits-matrix": _("WITS trade matrix"),
    "wits-summary": _("WITS country trade summary"),
    "figures": _("Published figures (period, reporter, partner, flow, value, unit, source)"),
    "world-exports": _("Exports to the world by product (year, exporter, HS code, value)"),
}


class TradeImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A CSV file in one of the formats below. Very large files (BACI for all countries) are faster from the command line: bureau trade import."
        ),
    )
    format = forms.ChoiceField(label=_("Format"), choices=[(f, FORMAT_LABELS[f]) for f in FORMATS])
    source = forms.CharField(
        label=_("Source"),
        required=False,
        max_length=300,
        help_text=_("Who published the figures; leave empty for the format's usual source."),
    )
    source_url = forms.URLField(
        label=_("Source address"), required=False, max_length=500, assume_scheme="https"
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=1900,
        max_value=2100,
        help_text=_("Only for files that do not state their year (WITS harmonized flows)."),
    )  # fmt: skip


class DashboardForm(forms.Form):
    """Query parameters of the dashboard; bad values are reported, never crash the page."""

    target_year = forms.IntegerField(
        label=_("Target year"), required=False, min_value=2000, max_value=2100
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2100)
    level = forms.ChoiceField(
        label=_("Detail"),
        required=False,
        choices=[("section", _("HS sections")), ("chapter", _("HS chapters"))],
    )

    def values(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
