"""The Pareto chart: each route's time against its cost, its CO2 as colour. Server-side SVG.

A route whose cost is unknown is not placed on the cost axis as if it were free: it sits in
a band of its own, "cost unknown", at its time. A route whose CO2 is unknown is drawn hollow.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bureau.freight.planner import Route
from bureau.trade.charts import GRID, INK, MUTED, Layout, Svg

LOW, HIGH = (0x14, 0x6C, 0x2E), (0xA3, 0x4A, 0x06)  # CO2: green (low) to brown (high)


def _colour(share: float) -> str:
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(LOW, HIGH, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = (high - low) or 1.0
    step = 10 ** len(str(int(span / count))) / 10 or 1.0
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= count:
            step *= factor
            break
    start = (low // step) * step
    return [
        start + i * step
        for i in range(int((high - start) / step) + 2)
        if start + i * step <= high + step
    ]


def pareto_chart(routes: Sequence[Route], *, cost_unit: str, title: str) -> str:
    width, height = 760, 360
    svg = Svg(
        Layout(width),
        height,
        title,
        "Each route's time (days) against its cost; colour shows CO2 per tonne.",
    )
    timed = [(i, r) for i, r in enumerate(routes, start=1) if r.known("time")]
    if not timed:
        svg.text(width / 2, height / 2, "No route with a known time", anchor="middle", size=14)
        return svg.render()
    left, right, top, bottom, band = 96, 150, 30, 52, 46
    plot_bottom = height - bottom - band
    days = [r.totals["time"] / 24 for _, r in timed]
    x_ticks = _ticks(0, max(days) * 1.05)
    costs = [r.totals["cost"] for _, r in timed if r.known("cost")]
    y_ticks = _ticks(0, max(costs) * 1.1) if costs else [0.0, 1.0]
    co2 = [r.totals["co2"] for _, r in timed if r.known("co2")]
    co2_low, co2_high = (min(co2), max(co2)) if co2 else (0.0, 1.0)

    def px(day: float) -> float:
        return left + (width - left - right) * day / x_ticks[-1]

    def py(cost: float) -> float:
        return plot_bottom - (plot_bottom - top) * cost / (y_ticks[-1] or 1)

    for tick in x_ticks:
        svg.add(
            f'<line x1="{px(tick):.1f}" y1="{top}" x2="{px(tick):.1f}" y2="{height - bottom}" stroke="{GRID}"/>'
        )
        svg.text(px(tick), height - bottom + 16, f"{tick:g}", anchor="middle")
    for tick in y_ticks:
        svg.add(
            f'<line x1="{left}" y1="{py(tick):.1f}" x2="{width - right}" y2="{py(tick):.1f}" stroke="{GRID}"/>'
        )
        svg.text(left - 6, py(tick) + 4, f"{tick:,.0f}", anchor="end")
    band_y = plot_bottom + band / 2 + 4
    svg.add(
        f'<rect x="{left}" y="{plot_bottom + 8}" width="{width - left - right}" height="{band - 12}" fill="#f4f1ea"/>'
    )
    svg.text(left - 6, band_y + 4, "cost unknown", anchor="end", size=11, color=INK)
    svg.text((left + width - right) / 2, height - 12, "time (days)", anchor="middle", color=INK)
    svg.text(left, top - 12, cost_unit, color=INK)
    if not costs:
        svg.text((left + width - right) / 2, (top + plot_bottom) / 2, "No route has a known cost: placed by time only",
                 anchor="middle", size=13)  # fmt: skip
    for number, route in timed:
        x = px(route.totals["time"] / 24)
        y = py(route.totals["cost"]) if route.known("cost") else band_y
        known_co2 = route.known("co2")
        share = (route.totals["co2"] - co2_low) / ((co2_high - co2_low) or 1) if known_co2 else 0
        fill = _colour(share) if known_co2 else "#ffffff"
        co2_text = f"{route.totals['co2']:,.0f} kg CO2e/t" if known_co2 else "CO2 unknown"
        cost_text = (
            f"{route.totals['cost']:,.0f} {cost_unit}" if route.known("cost") else "cost unknown"
        )
        label = escape(
            f"Route {number}: {route.totals['time'] / 24:.1f} days, {cost_text}, {co2_text}"
        )
        svg.add(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="{fill}" stroke="{INK}" stroke-width="1.5"><title>{label}</title></circle>'
        )
        above = number % 2 == 1  # alternate labels, as routes often finish close together
        svg.text(
            x, y - 12 if above else y + 22, str(number), anchor="middle", color=INK, weight="bold"
        )
    _co2_legend(svg, width - right + 22, top, co2_low, co2_high, bool(co2))
    return svg.render()


def _co2_legend(svg: Svg, x: float, y: float, low: float, high: float, any_known: bool) -> None:
    svg.text(x, y + 10, "kg CO2e per tonne", color=INK, size=11)
    for i in range(5):
        share = i / 4
        svg.add(
            f'<rect x="{x}" y="{y + 20 + i * 18}" width="16" height="16" fill="{_colour(share)}"/>'
        )
        if any_known and i in (0, 4):
            svg.text(x + 22, y + 33 + i * 18, f"{low + (high - low) * share:,.0f}", size=11)
    svg.add(f'<circle cx="{x + 8}" cy="{y + 124}" r="7" fill="#ffffff" stroke="{INK}"/>')
    svg.text(x + 22, y + 128, "unknown", size=11, color=MUTED)
