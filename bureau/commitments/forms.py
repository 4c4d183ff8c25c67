"""The staff forms of the commitments pages. They only collect text: every check is made by
the services (``validation.clean``), whose field errors are put back beside each field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bureau.commitments.models import Cargo
from bureau.commitments.validation import (
    AREAS,
    CARGO_STATUSES,
    COOP_STATUSES,
    MONEY_KINDS,
    SECTORS,
    STAGES,
    UNITS,
)
from bureau.core.errors import ValidationFailed


def _choices(options: list[str]) -> list[tuple[str, str]]:
    return [(o, o.replace("_", " ").replace("m3 lng", "m³ LNG")) for o in options]


def _text(label: Any, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=kwargs.pop("max_length", 300), **kwargs
    )


def _date(label: Any, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
    )


class ServiceForm(forms.Form):
    """A form whose cleaned data goes to a service; its field errors come back here."""

    def put_errors(self, failed: ValidationFailed) -> None:
        for error in failed.errors:
            self.add_error(error.field if error.field in self.fields else None, error.message)

    def data_for_service(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class MoneyForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=_choices(MONEY_KINDS))
    amount = _text(_("Amount (leave empty if no source gives it)"), max_length=30)
    currency = _text(_("Currency (ISO 4217)"), max_length=3, initial="USD")
    on = _date(_("Date"))
    source_title = _text(_("Source"))
    source_url = _text(_("Source URL"), max_length=500)


class StageForm(ServiceForm):
    stage = forms.ChoiceField(label=_("New stage"), choices=_choices(STAGES))
    changed_on = _date(_("Changed on"))
    note = _text(_("Note"))


class ProjectForm(ServiceForm):
    title = _text(_("Title"), required=True)
    sector = forms.ChoiceField(label=_("Sector"), choices=_choices(SECTORS))
    location = _text(_("Location"), max_length=200)
    investor = _text(_("Investor (directory slug)"), max_length=100)
    host = _text(_("Host (directory slug)"), max_length=100)
    stage = forms.ChoiceField(label=_("Stage"), choices=_choices(STAGES))
    stage_on = _date(_("Stage since"))
    source_title = _text(_("Source"))
    source_url = _text(_("Source URL"), max_length=500)


class ExtensionForm(ServiceForm):
    new_expires_on = _date(_("New expiry"), required=True)
    agreed_on = _date(_("Agreed on"))
    note = _text(_("Note"))


class MilestoneDoneForm(ServiceForm):
    title = _text(_("Milestone"), required=True)
    done_on = _date(_("Done on"))


class CargoForm(ServiceForm):
    reference = _text(_("Reference"), max_length=100)
    window_start = _date(_("Window from"))
    window_end = _date(_("Window until"))
    load_port = _text(_("Load port or terminal (UN/LOCODE where one exists)"), max_length=120)
    discharge_port = _text(_("Discharge port or terminal"), max_length=120)
    volume = _text(_("Volume"), max_length=30)
    unit = forms.ChoiceField(label=_("Unit"), choices=[("", "—"), *_choices(UNITS)], required=False)
    price_basis = _text(_("Price basis"))
    status = forms.ChoiceField(label=_("Status"), choices=_choices(CARGO_STATUSES))


class CooperationForm(ServiceForm):
    title = _text(_("Title"), required=True)
    area = forms.ChoiceField(label=_("Area"), choices=_choices(AREAS))
    status = forms.ChoiceField(label=_("Status"), choices=_choices(COOP_STATUSES))
    parties = _text(_("Organisations involved (separated by ;)"), max_length=1000)
    description = _text(_("Description"), max_length=2000, widget=forms.Textarea)
    source_title = _text(_("Source"))
    source_url = _text(_("Source URL"), max_length=500)


class DateAlertForm(ServiceForm):
    subscription = forms.TypedChoiceField(label=_("Add to my subscription"), coerce=int)
    rule = forms.ChoiceField(
        label=_("Tell me when"),
        choices=[("expiring", _("an agreement expires within N days")),
                 ("milestone_due", _("a milestone is due within N days")),
                 ("stage_changed", _("a pledge project changes stage"))],
    )  # fmt: skip
    days = forms.CharField(label=_("N days"), required=False, max_length=5, initial="30")

    def __init__(self, *args: Any, subscriptions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subscription"].choices = subscriptions  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))


class CargoStatusForm(ServiceForm):
    status = forms.ChoiceField(label=_("New status"), choices=Cargo.Status.choices)
