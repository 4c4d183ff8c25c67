"""What the pages, the API and the downloads show of the pledge's progress: one place for the
labels, the table rows and the charts, so that all three agree."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from bureau.commitments import arithmetic
from bureau.commitments.models import MoneyEvent, Stage
from bureau.commitments.selectors import Progress
from bureau.reference.vocab import Sector
from bureau.trade import charts

# Each kind of money event and its label, in the reader's language when shown.
KIND_LABELS = dict(MoneyEvent.Kind.choices)
BY = {"sector": "sector", "stage": "stage"}


def group_label(by: str, key: str) -> str:
    choices = Sector if by == "sector" else Stage
    try:
        return str(choices(key).label)
    except ValueError:
        return key or _("not given")


def total_text(total: arithmetic.Total, currency: str) -> str:
    """A total as a reader sees it: unknown, an error, or the known sum with what is missing."""
    if total.error:
        return total.error
    if total.count == 0:
        return _("none recorded")
    if total.is_unknown:
        return _("unknown")
    text = f"{total.known:,.2f} {currency}"
    if not total.unknown:
        return text
    return _("%(known)s (+ %(count)s unknown)") % {"known": text, "count": total.unknown}


def total_out(total: arithmetic.Total) -> dict[str, Any]:
    return {
        "amount": None if total.error or total.is_unknown or total.count == 0 else str(total.known),
        "unknown_amounts": total.unknown,
        "events": total.count,
        "error": total.error or None,
    }


def _totals(progress: Progress, by: str) -> arithmetic.Totals:
    return progress.by_sector if by == "sector" else progress.by_stage


def table_rows(progress: Progress, by: str, currency: str = "USD") -> list[list[str]]:
    """One row per sector (or stage): its label and the pledged, committed, disbursed totals."""
    totals = _totals(progress, by)
    return [
        [group_label(by, group)]
        + [total_text(totals.group(group, kind, currency), currency) for kind in KIND_LABELS]
        for group in totals.groups()
    ]


CSV_COLUMNS = ["group", "kind", "currency", "amount", "unknown_amounts", "events", "error"]


def csv_rows(progress: Progress, by: str) -> list[list[Any]]:
    totals = _totals(progress, by)
    rows = []
    for group in totals.groups():
        for kind in KIND_LABELS:
            for currency in arithmetic.TARGETS:
                out = total_out(totals.group(group, kind, currency))
                rows.append([group_label(by, group), kind, currency, out["amount"] or "",
                             out["unknown_amounts"], out["events"], out["error"] or ""])  # fmt: skip
    return rows


def _value(total: arithmetic.Total) -> float | None:
    if total.error or total.count == 0 or total.is_unknown:
        return None
    return float(total.known)


def chart(progress: Progress, by: str, layout: charts.Layout | None = None) -> str:
    """Pledged, committed and disbursed per sector (or stage), in US$, as SVG."""
    totals = _totals(progress, by)
    groups = totals.groups()
    series = [
        (f"{label} (US$)", [_value(totals.group(g, kind, "USD")) for g in groups])
        for kind, label in KIND_LABELS.items()
    ]
    title = f"{progress.pledge.title}: progress by {by}"
    description = (
        "Money pledged, committed and disbursed under the pledge, in US dollars at the rate "
        "of each event's year; amounts no source gives are left out and counted as unknown."
    )
    return charts.grouped_bars(
        title, description, [group_label(by, g) for g in groups], series,
        layout=layout or charts.Layout(),
    )  # fmt: skip


def download_layout(progress: Progress, by: str) -> charts.Layout:
    sources = [progress.pledge.source_title] + [
        m.source_title for p in progress.projects for m in p.money_events.all()
    ]
    return charts.Layout(
        title=f"{progress.pledge.title}: pledged, committed and disbursed by {by}, US$ at each event's rate",
        sources=tuple(s for s in sources if s),
    )
