"""Web forms of subscriptions and webhook endpoints, and the words that describe a subscription.

The forms only collect values and show errors: the alerts services parse and check every
criterion, and their ``ValidationFailed`` errors are put back beside the field they name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms import BoundField
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from bureau.alerts.models import Channel, Subscription, WebhookEndpoint
from bureau.alerts.validation import LIST_FIELDS
from bureau.catalog.forms import LANGUAGES
from bureau.catalog.models import Kind
from bureau.core.errors import ValidationFailed
from bureau.reference import countries
from bureau.reference.vocab import Sector

WEBHOOK_PREFIX = "webhook:"
CHOICE_FIELDS = ("kinds", "sectors", "languages")  # ticked boxes; the others are typed text
HALF_WIDTH = {"value_min_usd", "value_max_usd", "email_mode", "digest_hour"}

HELP: dict[str, Any] = {
    "name": _("For you: it heads every email and feed of this subscription."),
    "kinds": _("Leave all unticked for every kind."),
    "hs_prefixes": _("HS 2022 chapters, headings or subheadings separated by ';', e.g. 10;2711."),
    "sectors": _("Leave all unticked for every sector."),
    "origin_countries": _(
        "ISO country codes separated by ';', e.g. PK. For a trade lead, where the goods come "
        "from; for other kinds, any country the item concerns."
    ),
    "destination_countries": _(
        "ISO country codes separated by ';', e.g. AZ. For a trade lead, where the goods go; "
        "for other kinds, any country the item concerns."
    ),
    "keywords_all": _("Words separated by spaces; an item must contain every one."),
    "keywords_any": _("Words separated by spaces; an item must contain at least one."),
    "keywords_none": _("Words separated by spaces; an item with any of them is left out."),
    "value_min_usd": _("A number, e.g. 10000. Items without a value are then left out."),
    "value_max_usd": _("A number, e.g. 1000000."),
    "languages": _("Leave all unticked for every language."),
    "channels": _("Tick at least one."),
    "digest_hour": _("For the daily digest: the hour it is sent (UTC)."),
}

GROUPS: list[tuple[Any, list[str]]] = [
    (_("Subscription"), ["name"]),
    (_("What to look for"), ["kinds", "sectors", "hs_prefixes", "keywords_all", "keywords_any", "keywords_none"]),
    (_("Where, how much, which language"), ["origin_countries", "destination_countries", "value_min_usd", "value_max_usd", "languages"]),
    (_("How matches reach you"), ["channels", "email_mode", "digest_hour"]),
]  # fmt: skip


def _label(name: str) -> Any:
    if name == "channels":
        return _("Channels")
    return capfirst(Subscription._meta.get_field(name).verbose_name)  # type: ignore[union-attr]


def _criterion(name: str) -> forms.Field:
    """A loosely typed field: the service parses and checks the value."""
    help_text = HELP.get(name, "")
    if name in CHOICE_FIELDS:
        options: dict[str, list[tuple[str, Any]]] = {
            "kinds": Kind.choices,
            "sectors": Sector.choices,
            "languages": LANGUAGES,
        }
        choices = options[name]
        widget: forms.Widget = forms.CheckboxSelectMultiple(choices=choices)
        return forms.Field(label=_label(name), required=False, help_text=help_text, widget=widget)
    attrs = {"inputmode": "decimal"} if name.startswith("value_") else {}
    return forms.CharField(
        label=_label(name),
        required=False,
        strip=False,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
    )


def channel_choices(endpoints: list[WebhookEndpoint]) -> list[tuple[str, Any]]:
    """Live, Atom and email, then one webhook choice per endpoint of the member."""
    fixed = [
        (Channel.Kind.LIVE.value, _("Live feed in the browser")),
        (Channel.Kind.ATOM.value, _("Private Atom feed")),
        (Channel.Kind.EMAIL.value, _("Email")),
    ]
    hooks = [
        (f"{WEBHOOK_PREFIX}{e.pk}", _("Webhook to %(url)s") % {"url": e.url}) for e in endpoints
    ]
    return [*fixed, *hooks]


class SubscriptionForm(forms.Form):
    """Every criterion of a subscription and its channels; ``endpoints`` are the member's own."""

    email_mode = forms.ChoiceField(
        label=_("Email timing"),
        required=False,
        choices=Channel.EmailMode.choices,
        initial=Channel.EmailMode.INSTANT,
    )
    digest_hour = forms.TypedChoiceField(
        label=_("Digest hour"),
        required=False,
        choices=[(h, f"{h:02d}:00 UTC") for h in range(24)],
        coerce=int,
        empty_value=None,
        initial=7,
        help_text=HELP["digest_hour"],
    )

    def __init__(self, *args: Any, endpoints: list[WebhookEndpoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        criteria = {
            name: _criterion(name)
            for name in ("name", *LIST_FIELDS, "value_min_usd", "value_max_usd")
        }
        self.fields.update(criteria)
        self.fields["channels"] = forms.MultipleChoiceField(
            label=_label("channels"),
            choices=channel_choices(endpoints),
            widget=forms.CheckboxSelectMultiple,
            help_text=HELP["channels"],
            error_messages={"required": _("Choose at least one way to receive matches.")},
        )
        self.half_width = HALF_WIDTH
        self.required_names = {"name", "channels"}
        self._describe(set())

    def _describe(self, invalid: set[str]) -> None:
        """Point each input at its help and error text, for screen readers."""
        for name, field in self.fields.items():
            ids = [f"id_{name}-help"] if field.help_text else []
            if name in invalid:
                ids.append(f"id_{name}-error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound:
            self._describe(set(self.errors))

    def service_data(self) -> dict[str, Any]:
        """The criteria as loose input for the services, and the channels as the API takes them."""
        data = {
            name: self.cleaned_data.get(name) or ""
            for name in self.fields
            if name not in ("channels", "email_mode", "digest_hour")
        }
        data["channels"] = [self._channel(value) for value in self.cleaned_data["channels"]]
        return data

    def _channel(self, value: str) -> dict[str, Any]:
        if value.startswith(WEBHOOK_PREFIX):
            return {
                "kind": Channel.Kind.WEBHOOK,
                "endpoint": int(value.removeprefix(WEBHOOK_PREFIX)),
            }
        if value == Channel.Kind.EMAIL:
            mode = self.cleaned_data.get("email_mode") or Channel.EmailMode.INSTANT
            return {
                "kind": value,
                "email_mode": mode,
                "digest_hour": self.cleaned_data.get("digest_hour"),
            }
        return {"kind": value}

    def add_service_errors(self, failed: ValidationFailed) -> None:
        """Show each error beside the field it names: ``channels[2].digest_hour`` beside the hour."""
        for error in failed.errors:
            name = error.field
            if name.startswith("channels"):
                name = error.field.rpartition(".")[2] if "." in error.field else "channels"
                name = name if name in ("email_mode", "digest_hour") else "channels"
            if name in self.fields:
                self.add_error(name, error.message)
            else:
                self.add_error(None, f"{error.field}: {error.message}")
        self._describe(set(self.errors))

    def groups(self) -> list[tuple[Any, list[BoundField]]]:
        return [(legend, [self[n] for n in names]) for legend, names in GROUPS]


def _text(values: list[str]) -> str:
    return "; ".join(values)


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def initial_from_subscription(subscription: Subscription) -> dict[str, Any]:
    """The stored subscription as form values."""
    initial: dict[str, Any] = {"name": subscription.name}
    for name in LIST_FIELDS:
        values = getattr(subscription, name)
        initial[name] = values if name in CHOICE_FIELDS else _text(values)
    initial["value_min_usd"] = _plain(subscription.value_min_usd)
    initial["value_max_usd"] = _plain(subscription.value_max_usd)
    channels = list(subscription.channels.filter(active=True))
    initial["channels"] = [
        f"{WEBHOOK_PREFIX}{c.endpoint_id}" if c.kind == Channel.Kind.WEBHOOK else c.kind
        for c in channels
    ]
    for channel in channels:
        if channel.kind == Channel.Kind.EMAIL:
            initial["email_mode"] = channel.email_mode or Channel.EmailMode.INSTANT
            initial["digest_hour"] = channel.digest_hour if channel.digest_hour is not None else 7
    return initial


def initial_from_query(params: QueryDict) -> dict[str, Any]:
    """Form values from a query string (a saved search, or a link): criteria only."""
    initial: dict[str, Any] = {"channels": [Channel.Kind.LIVE.value]}
    if params.get("name"):
        initial["name"] = params["name"][:200]
    for name in (*LIST_FIELDS, "value_min_usd", "value_max_usd"):
        values = [v for v in params.getlist(name) if v.strip()]
        if values:
            initial[name] = values if name in CHOICE_FIELDS else _text(values)
    return initial


def criteria_query(name: str, criteria: dict[str, Any]) -> QueryDict:
    """The query string that prefills the form with ``criteria``."""
    query = QueryDict(mutable=True)
    if name:
        query["name"] = name[:200]
    for key, value in criteria.items():
        if isinstance(value, list):
            query.setlist(key, [str(v) for v in value])
        else:
            query[key] = _plain(value) if isinstance(value, Decimal) else str(value)
    return query


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("A public https address of yours that accepts POST requests."),
        widget=forms.URLInput(attrs={"placeholder": "https://", "aria-describedby": "id_url-help"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=200,
        help_text=_("Optional, for you: what receives these deliveries."),
        widget=forms.TextInput(attrs={"aria-describedby": "id_description-help"}),
    )

    def add_service_errors(self, failed: ValidationFailed) -> None:
        for error in failed.errors:
            self.add_error(error.field if error.field in self.fields else None, error.message)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors if self.is_bound else ():
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"id_{name}-help id_{name}-error"}
                )


# --- Words for the list page ----------------------------------------------------------------------


def _names(values: list[str], labels: dict[str, Any]) -> str:
    return ", ".join(str(labels.get(v, v)) for v in values)


def criteria_summary(subscription: Subscription) -> list[tuple[Any, str]]:
    """The criteria in words, as (label, text); an empty subscription matches everything."""
    s = subscription
    country = countries.country_name
    rows: list[tuple[Any, str]] = [
        (_("Kinds"), _names(s.kinds, dict(Kind.choices))),
        (_("HS codes"), ", ".join(s.hs_prefixes)),
        (_("Sectors"), _names(s.sectors, dict(Sector.choices))),
        (_("From"), ", ".join(country(c) for c in s.origin_countries)),
        (_("To"), ", ".join(country(c) for c in s.destination_countries)),
        (_("All of"), " ".join(s.keywords_all)),
        (_("Any of"), " ".join(s.keywords_any)),
        (_("None of"), " ".join(s.keywords_none)),
        (_("Languages"), _names(s.languages, dict(LANGUAGES))),
    ]
    low, high = _plain(s.value_min_usd), _plain(s.value_max_usd)
    if low and high:
        rows.append((_("Value"), _("%(low)s to %(high)s USD") % {"low": low, "high": high}))
    elif low or high:
        bound = _("at least %(low)s USD") if low else _("at most %(high)s USD")
        rows.append((_("Value"), bound % {"low": low, "high": high}))
    kept = [(label, text) for label, text in rows if text]
    return kept or [(_("Criteria"), str(_("everything that is published")))]
