"""Web forms for items, built from the one documented field set in ``bureau.catalog.fields``.

The forms only collect values and show errors: every value is parsed and checked by the
catalog services, whose ``ValidationFailed`` errors are put back beside the field they name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.forms import BoundField
from django.http import QueryDict
from django.urls import reverse_lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from bureau.accounts import permissions
from bureau.accounts.models import Organisation, User
from bureau.catalog.fields import BY_KIND, COMMON, NESTED_FIELDS, FieldSpec
from bureau.catalog.models import Item, Kind
from bureau.catalog.selectors import ItemFilters
from bureau.catalog.services import DETAIL_MODELS
from bureau.core.errors import ValidationFailed
from bureau.reference import countries, hs
from bureau.reference.vocab import Sector

# Help shown under each field. Choices need none; the others say what to type.
HELP: dict[str, Any] = {
    "title": _("A short headline, at most 300 characters."),
    "summary": _("One or two sentences shown in search results."),
    "body": _("The full text; leave a blank line between paragraphs."),
    "countries": _("ISO country codes separated by ';', e.g. PK;AZ."),
    "hs_codes": _("HS 2022 codes of 2, 4 or 6 digits separated by ';', e.g. 2711;100630."),
    "value_amount": _("A number, e.g. 450000."),
    "valid_from": _("The first day the information holds."),
    "valid_until": _("The item expires after this day."),
    "organisation": _("Who offers or publishes this information."),
    "source_title": _("Where the information comes from, e.g. a press release."),
    "source_url": _("A link to where the information was published first."),
    "is_example": _("Tick for illustrative content that is not a real offer."),
    "product": _("The product as traders name it."),
    "hs_code": _("Type digits or words to get suggestions from the HS 2022 nomenclature."),
    "quantity": _("A number; choose the unit too."),
    "origin_place": _("Port or city."),
    "destination_place": _("Port or city."),
    "location": _("Where the project is."),
    "reference": _("The buyer's reference."),
    "buyer": _("Who buys."),
    "deadline": _("Date and time (UTC)."),
    "documents_url": _("A link to the tender documents."),
    "parties": _("Names separated by ';'."),
    "place": _("Where it takes place."),
    "authority": _("Who issued it."),
}

# Short fields that sit two to a row on wider screens.
HALF_WIDTH = {
    "language", "value_amount", "value_currency", "valid_from", "valid_until", "side",
    "quantity", "unit", "origin_country", "destination_country", "origin_place",
    "destination_place", "stage", "instrument", "reference", "deadline", "signed_on",
    "effective_on", "expires_on", "starts_on", "ends_on",
}  # fmt: skip

GROUPS: list[tuple[Any, list[str]]] = [
    (_("What it is"), ["title", "summary", "body", "language"]),
    (_("Details"), []),  # filled with the kind's own fields
    (_("Classification"), ["countries", "hs_codes", "sectors"]),
    (_("Value and validity"), ["value_amount", "value_currency", "valid_from", "valid_until"]),
    (_("Source"), ["organisation", "source_title", "source_url", "is_example"]),
]

LANGUAGES = [("en", "English"), ("az", "Azərbaycanca"), ("ur", "اردو"), ("ru", "Русский"), ("tr", "Türkçe")]  # fmt: skip
# The HS code input asks for suggestions as the person types (see catalog/_hs_options.html).
HS_AUTOCOMPLETE = {
    "list": "hs-options",
    "autocomplete": "off",
    "hx-get": reverse_lazy("catalog:hs_suggest"),
    "hx-trigger": "input changed delay:250ms",
    "hx-target": "#hs-options",
    "hx-swap": "innerHTML",
    "hx-sync": "this:replace",
}
PREFERRED_CURRENCIES = ["USD", "AZN", "PKR", "EUR"]
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def form_specs(kind: str) -> list[FieldSpec]:
    """The fields a person fills in for ``kind``: all but the kind itself and JSON-only lists."""
    specs = [s for s in COMMON if s.name != "kind"] + list(BY_KIND.get(Kind(kind), []))
    return [s for s in specs if s.name not in NESTED_FIELDS]


def organisations_for(user: User) -> list[Organisation]:
    """The organisations ``user`` may enter information for."""
    if user.is_node_admin:
        candidates = Organisation.objects.filter(origin_node="")
    elif user.organisation_id is None:
        return []
    else:
        candidates = Organisation.objects.filter(
            pk=user.organisation_id
        ) | Organisation.objects.filter(chamber_id=user.organisation_id)
    return [o for o in candidates.order_by("name") if permissions.acts_for(user, o)]


def _model_field(spec: FieldSpec) -> models.Field:
    model = DETAIL_MODELS[spec.kind] if spec.kind else Item
    return model._meta.get_field(spec.name)  # type: ignore[return-value]


def _country_choices() -> list[tuple[str, str]]:
    pair = [(c, countries.country_name(c)) for c in settings.BUREAU_COUNTRY_PAIR]
    return [("", "—"), *pair, *[c for c in countries.country_choices() if c not in pair]]


def _currency_choices() -> list[tuple[str, str]]:
    rest = [c for c in countries.currency_choices() if c[0] not in PREFERRED_CURRENCIES]
    return [("", "—"), *[(c, c) for c in PREFERRED_CURRENCIES], *rest]


def _widget(
    spec: FieldSpec, field: models.Field, organisations: list[Organisation]
) -> forms.Widget:
    name = spec.name
    if name in ("origin_country", "destination_country"):
        return forms.Select(choices=_country_choices())
    if name == "value_currency":
        return forms.Select(choices=_currency_choices())
    if name == "language":
        return forms.Select(choices=LANGUAGES)
    if name == "organisation":
        return forms.Select(choices=[("", "—"), *[(o.slug, o.name) for o in organisations]])
    if name == "hs_code":
        return forms.TextInput(attrs=HS_AUTOCOMPLETE)
    if field.choices:
        return forms.Select(choices=[("", "—"), *field.choices])
    if isinstance(field, models.DateTimeField):
        return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)
    if isinstance(field, models.DateField):
        return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    if isinstance(field, models.URLField):
        return forms.URLInput()
    if isinstance(field, models.DecimalField):
        return forms.TextInput(attrs={"inputmode": "decimal"})
    if isinstance(field, models.TextField):
        return forms.Textarea(attrs={"rows": 3 if name == "summary" else 8})
    return forms.TextInput()


def _form_field(spec: FieldSpec, organisations: list[Organisation]) -> forms.Field:
    model_field = _model_field(spec)
    label = capfirst(model_field.verbose_name)
    help_text = HELP.get(spec.name, "")
    if spec.name == "sectors":
        return forms.Field(
            label=label,
            required=False,
            help_text=help_text,
            widget=forms.CheckboxSelectMultiple(choices=Sector.choices),
        )
    if spec.name == "is_example":
        return forms.BooleanField(label=label, required=False, help_text=help_text)
    # Plain text fields: the service parses and checks them, so the form never refuses a value.
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        help_text=help_text,
        widget=_widget(spec, model_field, organisations),
    )


class ItemForm(forms.Form):
    """The fields of one kind of item; ``organisations`` None leaves the organisation out (edit)."""

    def __init__(
        self,
        *args: Any,
        kind: str,
        organisations: list[Organisation] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.half_width = HALF_WIDTH
        self.required_names: set[str] = set()
        for spec in form_specs(kind):
            if spec.name == "organisation" and organisations is None:
                continue
            self.fields[spec.name] = _form_field(spec, organisations or [])
            if spec.required:
                self.required_names.add(spec.name)
                self.fields[spec.name].widget.attrs["aria-required"] = "true"
        self._describe(set())

    def _describe(self, invalid: set[str]) -> None:
        """Point each input at its help and error text, for screen readers."""
        for name, field in self.fields.items():
            ids = []
            if field.help_text:
                ids.append(f"id_{name}-help")
            if name in invalid:
                ids.append(f"id_{name}-error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def service_data(self) -> dict[str, Any]:
        """The submitted values, as loose input for the catalog services."""
        data: dict[str, Any] = {}
        for name in self.fields:
            value = self.cleaned_data.get(name)
            data[name] = value if value is not None else ""
        return data

    def add_service_errors(self, failed: ValidationFailed) -> None:
        """Show each error beside the field it names; others above the form."""
        for error in failed.errors:
            if error.field in self.fields:
                self.add_error(error.field, error.message)
            else:
                self.add_error(None, f"{error.field}: {error.message}")
        self._describe(set(self.errors))

    def groups(self) -> list[tuple[Any, list[BoundField]]]:
        """The fields in labelled groups, the kind's own fields second."""
        own = [s.name for s in form_specs(self.kind) if s.kind]
        result = []
        for legend, names in GROUPS:
            fields = [self[n] for n in (names or own) if n in self.fields]
            if fields:
                result.append((legend, fields))
        return result


def initial_from_record(record: dict[str, Any]) -> dict[str, Any]:
    """An item record as form values: lists joined with ';', dates in ISO form."""
    initial: dict[str, Any] = {}
    for name, value in record.items():
        if value is None:
            initial[name] = ""
        elif name == "sectors" or isinstance(value, bool):
            initial[name] = value
        elif isinstance(value, list):
            initial[name] = ";".join(str(v) for v in value)
        elif isinstance(value, dt.datetime):
            initial[name] = value.astimezone(dt.UTC).strftime(DATETIME_LOCAL)
        elif isinstance(value, dt.date):
            initial[name] = value.isoformat()
        elif isinstance(value, Decimal):
            initial[name] = _plain_decimal(value)
        else:
            initial[name] = value
    return initial


def _plain_decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class ImportForm(forms.Form):
    """The bulk import upload; the importer itself checks the file and every row."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, XLSX or JSON with one item per row, in the documented columns."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file and report, but save nothing"),
        required=False,
        initial=False,
    )
    skip_invalid = forms.BooleanField(
        label=_("Skip rows with errors and import the others"), required=False
    )
    publish = forms.BooleanField(label=_("Publish the imported items at once"), required=False)


# --- The browse page: its filters come only through ItemFilters.parse -------------------------

FACET_PARAMS = ("kind", "section", "hs", "sector", "country")
HIDDEN_FILTERS = ("kind", "section", "sector", "country", "organisation", "concerning")
SORT_LABELS = {
    "relevance": _("Best match"),
    "newest": _("Newest first"),
    "value": _("Highest value first"),
    "expiry": _("Expiring soonest"),
}


def parse_browse_filters(
    params: QueryDict, *, own_statuses: bool = False
) -> tuple[ItemFilters, dict[str, str]]:
    """Filters from the query string, and a message for each bad one (which is then ignored).

    The page shows published items only, unless ``own_statuses`` (a member of an organisation
    browsing its own drafts, submitted or withdrawn items): then ``status`` is read too.
    """
    remaining = params.copy()
    if not own_statuses:
        remaining.pop("status", None)
    errors: dict[str, str] = {}
    for _attempt in range(len(remaining) + 1):
        try:
            return ItemFilters.parse(remaining), errors
        except ValidationFailed as failed:
            for error in failed.errors:
                errors.setdefault(error.field, error.message)
                remaining.pop(error.field, None)
    return ItemFilters(), errors


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    active: bool
    url: str


def _link(params: QueryDict, name: str, value: str | None, *, toggle: bool = False) -> str:
    """The query string with ``name`` set to ``value`` (removed when None), back on page 1."""
    changed = params.copy()
    changed.pop("page", None)
    if toggle and value is not None:
        values = changed.getlist(name)
        changed.setlist(
            name, [v for v in values if v != value] if value in values else [*values, value]
        )
    elif value is None:
        changed.pop(name, None)
    else:
        changed[name] = value
    return "?" + changed.urlencode()


def _facet_label(name: str, value: str) -> str:
    if name == "kind":
        return str(Kind(value).label) if value in Kind.values else value
    if name == "section":
        return f"{value} · {hs.sections().get(value, '')}"
    if name == "hs":
        found = hs.lookup(value)
        return f"{value} · {found.description}" if found else value
    if name == "sector":
        return str(Sector(value).label) if value in Sector.values else value
    return countries.country_name(value)


def facet_groups(
    params: QueryDict, filters: ItemFilters, counts: dict[str, list[tuple[str, int]]]
) -> list[tuple[str, Any, list[FacetOption]]]:
    """Each facet with its values, counts and the link that applies or removes the value."""
    titles = {
        "kind": _("Kind"),
        "section": _("HS section"),
        "hs": _("HS chapter"),
        "sector": _("Sector"),
        "country": _("Country"),
    }
    groups = []
    for name in FACET_PARAMS:
        options = []
        for value, count in counts.get(name, []):
            active = value in filters.kind if name == "kind" else getattr(filters, name) == value
            url = (
                _link(params, name, value, toggle=True)
                if name == "kind"
                else _link(params, name, None if active else value)
            )
            options.append(FacetOption(value, _facet_label(name, value), count, active, url))
        if name != "kind":
            options.sort(key=lambda o: (not o.active, -o.count, o.label))
        groups.append((name, titles[name], options))
    return groups


def active_filters(
    params: QueryDict, filters: ItemFilters, *, quote_words: bool = True
) -> list[tuple[str, str]]:
    """Each applied filter as (words, link that removes it); the search words in quotes."""
    chips: list[tuple[str, str]] = []
    for value in filters.kind:
        chips.append((_facet_label("kind", value), _link(params, "kind", value, toggle=True)))
    if filters.q:
        chips.append((f"“{filters.q}”" if quote_words else filters.q, _link(params, "q", None)))
    for name in ("section", "hs", "sector", "country"):
        if value := getattr(filters, name):
            chips.append((_facet_label(name, value), _link(params, name, None)))
    if filters.organisation:
        chips.append((filters.organisation, _link(params, "organisation", None)))
    if filters.concerning:
        about = _("About %(organisation)s") % {"organisation": filters.concerning}
        chips.append((about, _link(params, "concerning", None)))
    return chips
