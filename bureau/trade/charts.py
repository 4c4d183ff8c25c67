"""Charts drawn on the server as self-contained SVG: no script, no CDN, readable by tests.

Every chart carries its own fonts and colours (so the downloaded file and the PNG made from
it look like the page), a <title> and <desc> for screen readers, and a <title> on each mark
with its exact value. Colours are the bureau's palette, each at least 3:1 against white.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
INK = "#17212b"
MUTED = "#4a5563"
GRID = "#d3dae2"
PALETTE = ("#0a5a61", "#a34a06", "#2f3a9e", "#6a2491", "#146c2e", "#93184d")
TARGET = "#93184d"
# A direction's two reports: its exporter's (dark) and its importer's mirror (lighter).
MIRROR = ("#0a5a61", "#3b8e95", "#a34a06", "#cf7a2e", "#2f3a9e", "#6a72c9")


def money(value: float) -> str:
    """US$ with a scale word: 'US$ 27.0 m', 'US$ 2.00 bn', 'US$ 94 k'."""
    size = abs(value)
    if size >= 1e9:
        return f"US$ {value / 1e9:,.2f} bn"
    if size >= 1e6:
        return f"US$ {value / 1e6:,.1f} m"
    if size >= 1e3:
        return f"US$ {value / 1e3:,.0f} k"
    return f"US$ {value:,.0f}"


def _short(value: float) -> str:
    for scale, word in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= scale:
            number = value / scale
            return (
                f"{number:,.0f} {word}"
                if number >= 10
                else f"{number:,.1f} {word}".replace(".0 ", " ")
            )
    return f"{value:,.0f}"


@dataclass
class Line:
    name: str
    points: Sequence[tuple[float, float]]
    dashed: bool = False
    markers: bool = True


@dataclass
class Svg:
    width: int
    height: int
    title: str
    description: str
    parts: list[str] = field(default_factory=list)

    def add(self, element: str) -> None:
        self.parts.append(element)

    def text(self, x: float, y: float, content: str, *, anchor: str = "start", size: int = 12,
             color: str = MUTED, weight: str = "normal") -> None:  # fmt: skip
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{color}" font-weight="{weight}">{escape(content)}</text>'
        )

    def render(self) -> str:
        body = "\n".join(self.parts)
        # Ids unique per chart, as several charts share one page.
        uid = "chart-" + hashlib.sha1(self.title.encode(), usedforsecurity=False).hexdigest()[:8]
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}" role="img" '
            f'aria-labelledby="{uid}-t {uid}-d" font-family="{FONT}" class="chart">'
            f'<title id="{uid}-t">{escape(self.title)}</title>'
            f'<desc id="{uid}-d">{escape(self.description)}</desc>'
            f'<rect width="100%" height="100%" fill="#ffffff"/>\n{body}\n</svg>'
        )


def _log_ticks(low: float, high: float) -> list[float]:
    first = math.floor(math.log10(low))
    last = math.ceil(math.log10(high))
    return [10.0**power for power in range(first, last + 1)]


def line_chart(
    title: str,
    description: str,
    lines: list[Line],
    *,
    target: tuple[str, float] | None = None,
    width: int = 760,
    height: int = 340,
) -> str:
    """Values by year on a logarithmic axis (trade spans US$ 5 m to US$ 2 bn)."""
    svg = Svg(width, height, title, description)
    values = [v for line in lines for _, v in line.points if v > 0]
    if target:
        values.append(target[1])
    years = [x for line in lines for x, _ in line.points]
    if not values or not years:
        svg.text(width / 2, height / 2, "No figures yet", anchor="middle", size=14)
        return svg.render()
    left, right, top, bottom = 64, 16, 16, 72
    ticks = _log_ticks(min(values), max(values))
    low, high = math.log10(ticks[0]), math.log10(ticks[-1])
    x0, x1 = min(years), max(years)
    span = (x1 - x0) or 1

    def px(year: float) -> float:
        return left + (year - x0) / span * (width - left - right)

    def py(value: float) -> float:
        return top + (high - math.log10(value)) / ((high - low) or 1) * (height - top - bottom)

    for tick in ticks:
        y = py(tick)
        svg.add(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        svg.text(left - 8, y + 4, _short(tick), anchor="end")
    for year in _year_ticks(int(x0), math.ceil(x1)):
        svg.text(px(year), height - bottom + 18, str(year), anchor="middle")
    if target:
        y = py(target[1])
        svg.add(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="2 4"/>'
        )
        svg.text(
            width - right,
            y - 6,
            f"{target[0]}: {money(target[1])}",
            anchor="end",
            color=TARGET,
            weight="600",
        )
    for index, line in enumerate(lines):
        _draw_line(svg, line, PALETTE[index % len(PALETTE)], px, py)
    _legend(
        svg,
        [(line.name, PALETTE[i % len(PALETTE)], line.dashed) for i, line in enumerate(lines)],
        height - 30,
        left,
    )
    return svg.render()


def _year_ticks(first: int, last: int) -> list[int]:
    step = max(1, math.ceil((last - first) / 10))
    return list(range(first, last + 1, step))


def _draw_line(
    svg: Svg, line: Line, color: str, px: Callable[[float], float], py: Callable[[float], float]
) -> None:
    points = [(px(x), py(v), x, v) for x, v in line.points if v > 0]
    if len(points) > 1:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y, _, _) in enumerate(points)
        )
        dash = ' stroke-dasharray="6 5"' if line.dashed else ""
        svg.add(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2.5"{dash}/>')
    if line.markers:
        for x, y, year, value in points:
            svg.add(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{color}" stroke="#fff" stroke-width="1.5">'
                f"<title>{escape(line.name)}, {year:g}: {escape(money(value))}</title></circle>"
            )


def _legend(svg: Svg, entries: list[tuple[str, str, bool]], y: float, left: float) -> None:
    x = left
    for name, color, dashed in entries:
        dash = ' stroke-dasharray="6 5"' if dashed else ""
        svg.add(
            f'<line x1="{x}" x2="{x + 22}" y1="{y}" y2="{y}" stroke="{color}" stroke-width="3"{dash}/>'
        )
        svg.text(x + 28, y + 4, name, color=INK)
        x += 40 + 7 * len(name)


def bar_chart(
    title: str,
    description: str,
    bars: list[tuple[str, float]],
    *,
    width: int = 760,
    color: str = PALETTE[0],
) -> str:
    """Horizontal bars, largest first, each labelled with its value."""
    row, top = 28, 12
    label_width = round(min(260, width * 0.36))
    height = top * 2 + row * max(len(bars), 1)
    svg = Svg(width, height, title, description)
    if not bars:
        svg.text(width / 2, height / 2 + 4, "No figures yet", anchor="middle", size=14)
        return svg.render()
    biggest = max(value for _, value in bars) or 1
    room = width - label_width - 110
    for index, (label, value) in enumerate(bars):
        y = top + index * row
        length = max(value / biggest * room, 1)
        shown = label if len(label) <= 40 else label[:39] + "…"
        svg.text(label_width - 8, y + 18, shown, anchor="end", color=INK)
        svg.add(
            f'<rect x="{label_width}" y="{y + 5}" width="{length:.1f}" height="{row - 10}" rx="3" fill="{color}">'
            f"<title>{escape(label)}: {escape(money(value))}</title></rect>"
        )
        svg.text(label_width + length + 6, y + 18, money(value), color=MUTED)
    return svg.render()


def grouped_bars(
    title: str,
    description: str,
    categories: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    colors: Sequence[str] = PALETTE,
    width: int = 760,
    plot_height: int = 240,
) -> str:
    """Bars per category (year), one per series (direction as each side reports it)."""
    left, right, top, axis = 64, 16, 16, 30
    height = top + plot_height + axis + 20 * len(series) + 8
    svg = Svg(width, height, title, description)
    values = [v for _, vs in series for v in vs if v]
    if not categories or not values:
        svg.text(width / 2, height / 2, "No figures yet", anchor="middle", size=14)
        return svg.render()
    step = _nice_step(max(values) / 4)
    ceiling = step * math.ceil(max(values) / step)
    slot = (width - left - right) / len(categories)
    bar = max(min(slot * 0.8 / len(series), 28), 2)
    for n in range(round(ceiling / step) + 1):
        y = top + plot_height - n * step / ceiling * plot_height
        svg.add(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        svg.text(left - 8, y + 4, _short(n * step), anchor="end")
    for c, category in enumerate(categories):
        start = left + c * slot + (slot - bar * len(series)) / 2
        for s, (name, numbers) in enumerate(series):
            value = numbers[c]
            if not value:
                continue
            h = value / ceiling * plot_height
            svg.add(
                f'<rect x="{start + s * bar:.1f}" y="{top + plot_height - h:.1f}" '
                f'width="{bar - 2:.1f}" height="{h:.1f}" fill="{colors[s % len(colors)]}">'
                f"<title>{escape(name)}, {escape(category)}: {escape(money(value))}</title></rect>"
            )
        svg.text(left + c * slot + slot / 2, top + plot_height + 18, category, anchor="middle")
    for s, (name, _) in enumerate(series):
        y = top + plot_height + axis + 20 * s + 10
        svg.add(
            f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{colors[s % len(colors)]}"/>'
        )
        svg.text(left + 18, y, name, color=INK)
    return svg.render()


def _nice_step(raw: float) -> float:
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power
