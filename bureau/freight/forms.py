"""The planner's form on /move/ and a carrier's declaration form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bureau.freight import network as net
from bureau.freight.selectors import RouteRequest
from bureau.reference import countries

MODE_LABELS = {"sea": _("Sea"), "rail": _("Rail"), "road": _("Road"), "ferry": _("Caspian ferry")}
CRITERION_LABELS = [("time", _("Time")), ("cost", _("Cost")), ("co2", _("CO2"))]
CARGO_LABELS = [("container", _("Container")), ("bulk", _("Bulk")), ("break-bulk", _("Break-bulk"))]


class MoveForm(forms.Form):
    by = forms.ChoiceField(
        label=_("Rank by"), choices=CRITERION_LABELS, initial="time", required=False
    )
    cargo = forms.ChoiceField(
        label=_("Cargo"), choices=CARGO_LABELS, initial="container", required=False
    )
    mode = forms.MultipleChoiceField(
        label=_("Modes"), choices=list(MODE_LABELS.items()), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every mode."),
    )  # fmt: skip
    avoid = forms.MultipleChoiceField(
        label=_("Avoid countries"), required=False, widget=forms.CheckboxSelectMultiple
    )
    max_borders = forms.IntegerField(
        label=_("At most this many border crossings"), min_value=0, max_value=20, required=False
    )

    def __init__(self, network: net.Network, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        place_help = _("A place name or UN/LOCODE, such as Karachi or PKKHI.")
        self.fields = {
            "from": forms.CharField(label=_("From"), max_length=120, help_text=place_help),
            "to": forms.CharField(label=_("To"), max_length=120, help_text=place_help),
            **self.fields,
        }
        codes = sorted({node.country for node in network.nodes.values()})
        self.fields["avoid"].choices = [(c, countries.country_name(c)) for c in codes]  # type: ignore[attr-defined]
        for name in ("from", "to"):
            self.fields[name].widget.attrs.update({"list": "freight-places", "autocomplete": "off"})

    def route_request(self) -> RouteRequest:
        data = self.cleaned_data
        return RouteRequest(
            origin=data["from"], destination=data["to"], by=data.get("by") or "time",
            avoid=list(data.get("avoid") or []), modes=list(data.get("mode") or []),
            max_borders=data.get("max_borders"), cargo=data.get("cargo") or "container",
        )  # fmt: skip


class ServiceForm(forms.Form):
    leg = forms.ChoiceField(label=_("A leg"), required=False)
    corridor = forms.ChoiceField(label=_("Or a whole corridor"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False,
                           help_text=_("What you offer on it: frequency, equipment, contact."))  # fmt: skip

    def __init__(self, network: net.Network, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        legs = [("", "—")] + [(leg.id, _leg_label(network, leg)) for leg in network.legs]
        self.fields["leg"].choices = legs  # type: ignore[attr-defined]
        self.fields["corridor"].choices = [("", "—")] + [(c, c) for c in network.corridors]  # type: ignore[attr-defined]


def _leg_label(network: net.Network, leg: net.Leg) -> str:
    a, b = network.nodes[leg.origin].name, network.nodes[leg.destination].name
    return f"{a} – {b} ({leg.mode})"
