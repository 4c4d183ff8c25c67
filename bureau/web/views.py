"""The home page: what the bureau is, what is new, and every capability of the node."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bureau.catalog.models import Kind
from bureau.catalog.selectors import ItemFilters, facet_counts, items_newest

NEWEST_ON_HOME = 6
RECEIVED_ON_HOME = 4


@dataclass(frozen=True)
class Link:
    label: Promise
    url_name: str
    staff_only: bool = False
    query: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name) + (f"?{self.query}" if self.query else "")


@dataclass(frozen=True)
class Capability:
    """A card on the home page; one without links is shown as coming to this node."""

    key: str
    title: Promise
    line: Promise
    links: list[Link] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return bool(self.links)


CAPABILITIES = [
    Capability(
        "collect",
        _("Collect"),
        _("Trade leads, investment opportunities, tenders, agreements and market notices, moderated by the chambers."),
        [
            Link(_("Browse information"), "catalog:browse"),
            Link(_("Enter a new item"), "catalog:item_new", staff_only=True),
        ],
    ),
    Capability(
        "exchange",
        _("Exchange"),
        _("Each chamber's node signs what it publishes and shares it with the other in seconds."),
        [Link(_("Exchange status"), "exchange:status")],
    ),
    Capability(
        "pass-on",
        _("Pass on"),
        _("Saved searches alert traders and investors the moment a matching item appears."),
        [Link(_("Your subscriptions"), "alerts:list"), Link(_("Live feed"), "alerts:live")],
    ),
    Capability(
        "track",
        _("Track"),
        _("Progress towards the bilateral trade target, both sides' statistics, and the untapped potential linked to live leads."),
        [
            Link(_("Trade monitor"), "trade:dashboard"),
            Link(_("Untapped potential"), "trade:potential"),
            Link(_("Import statistics"), "trade:import", staff_only=True),
        ],
    ),
    Capability(
        "commit",
        _("Commit"),
        _("The US$2 billion investment pledge and its projects, the energy agreements and their dates, the LNG cargo schedule."),
        [
            Link(_("The partnership at a glance"), "commitments:glance"),
            Link(_("Pledge tracker"), "commitments:pledges"),
            Link(_("Agreements desk"), "commitments:agreements"),
            Link(_("Cargo schedule"), "commitments:cargoes"),
        ],
    ),
    Capability(
        "move",
        _("Move"),
        _("Freight routes across the corridors between the two countries, ranked by time, cost and CO2."),
        [Link(_("Karachi to Baku"), "freight:move", query="from=PKKHI&to=AZBAK")],
    ),
    Capability(
        "connect",
        _("Connect"),
        _("Express interest in an item, be introduced by the chamber, ask a chamber a question, and count the deals that result."),
        [
            Link(_("Ask a chamber"), "connect:enquiry_new"),
            Link(_("Answered within target"), "connect:performance"),
            Link(_("Connect dashboard"), "connect:dashboard", staff_only=True),
        ],
    ),
]  # fmt: skip


def home(request: HttpRequest) -> HttpResponse:
    counts = dict(facet_counts(ItemFilters())["kind"])
    kinds = [(value, label, counts.get(value, 0)) for value, label in Kind.choices]
    context = {
        "newest": list(items_newest(NEWEST_ON_HOME)),
        "received": list(items_newest(RECEIVED_ON_HOME, received=True)),
        "kinds": kinds,
        "total": sum(counts.values()),
        "capabilities": CAPABILITIES,
    }
    return render(request, "web/home.html", context)
