"""Charts drawn on the server as self-contained SVG: no script, no CDN, readable by tests.

Every chart carries its own fonts and colours (so the downloaded file and the PNG made from
it look like the page), a <title> and <desc> for screen readers, and a <title> on each mark
with its exact value. Colours are the bureau's palette, each at least 3:1 against white.

A chart is drawn for a ``Layout``: a width (the page draws a wide one and a narrow one for
phones, so that its text stays as large as the page's small print), and, for a file that
leaves the page, a visible title above and its sources below.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

from babel.numbers import format_compact_decimal
from django.utils.translation import get_language
from django.utils.translation import gettext as _

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
INK = "#17212b"
MUTED = "#4a5563"
GRID = "#d3dae2"
PALETTE = ("#0a5a61", "#a34a06", "#2f3a9e", "#6a2491", "#146c2e", "#93184d")
TARGET = "#93184d"
# A direction's two reports: its exporter's (dark) and its importer's mirror (lighter).
MIRROR = ("#0a5a61", "#3b8e95", "#a34a06", "#cf7a2e", "#2f3a9e", "#6a72c9")
CHAR = 0.56  # average width of a character, in font sizes (for wrapping and legends)


def money(value: float, currency: str = "USD") -> str:
    """An amount with a scale word: 'US$ 27.0 m', 'US$ 2.00 bn', 'US$ 94 k', 'PKR 7.52 bn'; in
    Azerbaijani and Urdu with their own scale words and separators ('US$ 2,00 mlrd',
    'PKR 2.7 کروڑ', from the Unicode CLDR through Babel)."""
    sign = "US$" if currency == "USD" else currency
    size = abs(value)
    if not _english():
        digits = 2 if size >= 1e9 else 1 if size >= 1e6 else 0
        return f"{sign} {_compact(value, digits)}"
    if size >= 1e9:
        return f"{sign} {value / 1e9:,.2f} bn"
    if size >= 1e6:
        return f"{sign} {value / 1e6:,.1f} m"
    if size >= 1e3:
        return f"{sign} {value / 1e3:,.0f} k"
    return f"{sign} {value:,.0f}"


def _short(value: float) -> str:
    if not _english():
        return _compact(value, 1)
    for scale, word in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= scale:
            number = value / scale
            return (
                f"{number:,.0f} {word}"
                if number >= 10
                else f"{number:,.1f} {word}".replace(".0 ", " ")
            )
    return f"{value:,.0f}"


def _english() -> bool:
    return (get_language() or "en").startswith("en")


def _compact(value: float, digits: int) -> str:
    """``value`` in the reader's language's short form (CLDR compact decimal)."""
    locale = (get_language() or "en").replace("-", "_")
    return format_compact_decimal(value, locale=locale, fraction_digits=digits)


def wrap(text: str, width: float, size: int = 12) -> list[str]:
    """``text`` in lines that fit ``width`` pixels at font ``size`` (words kept whole)."""
    most = max(int(width / (size * CHAR)), 8)
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= most:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def clip(text: str, width: float, size: int = 12) -> str:
    most = max(int(width / (size * CHAR)), 4)
    return text if len(text) <= most else text[: most - 1] + "…"


@dataclass(frozen=True)
class Layout:
    width: int = 760
    title: str = ""  # drawn above the chart when given (files that leave the page)
    sources: tuple[str, ...] = ()  # drawn below it, as "Source: ..."
    # A US$ value of a year as the reader's preferred currency too (" ≈ PKR 7.52 bn"), added
    # to each mark's tooltip; None when the reader chose no other currency.
    also: Callable[[float, str], str] | None = None

    def tooltip(self, value: float, year: str) -> str:
        """A mark's amount for its tooltip: US$, and the reader's currency where chosen."""
        return money(value) + (self.also(value, year) if self.also else "")

    @property
    def narrow(self) -> bool:
        return self.width < 480


NARROW = 360


@dataclass
class Line:
    name: str
    points: Sequence[tuple[float, float]]
    dashed: bool = False
    markers: bool = True
    joins_gaps: bool = (
        False  # a fitted line runs on; recorded figures break where years are missing
    )


@dataclass
class Svg:
    layout: Layout
    height: int
    title: str
    description: str
    parts: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.layout.width

    def add(self, element: str) -> None:
        self.parts.append(element)

    def text(self, x: float, y: float, content: str, *, anchor: str = "start", size: int = 12,
             color: str = MUTED, weight: str = "normal") -> None:  # fmt: skip
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{color}" font-weight="{weight}">{escape(content)}</text>'
        )

    def render(self) -> str:
        head, foot = self._frame()
        height = len(head) * 22 + (10 if head else 0) + self.height + len(foot) * 16
        body = "\n".join(self.parts)
        if head:
            body = f'<g transform="translate(0 {len(head) * 22 + 10})">\n{body}\n</g>'
        framing = [
            f'<text x="12" y="{22 * (n + 1) - 2}" font-size="16" font-weight="700" '
            f'fill="{INK}">{escape(line)}</text>'
            for n, line in enumerate(head)
        ]
        framing += [
            f'<text x="12" y="{height - 16 * (len(foot) - n) + 11}" font-size="11" '
            f'fill="{MUTED}">{escape(line)}</text>'
            for n, line in enumerate(foot)
        ]
        # Ids unique per chart and width, as several charts (and both widths) share one page.
        key = f"{self.title}:{self.width}".encode()
        uid = "chart-" + hashlib.sha1(key, usedforsecurity=False).hexdigest()[:8]
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {height}" '
            f'width="{self.width}" height="{height}" role="img" '
            f'aria-labelledby="{uid}-t {uid}-d" font-family="{FONT}" class="chart">'
            f'<title id="{uid}-t">{escape(self.title)}</title>'
            f'<desc id="{uid}-d">{escape(self.description)}</desc>'
            f'<rect width="100%" height="100%" fill="#ffffff"/>\n'
            + "\n".join([body, *framing])
            + "\n</svg>"
        )

    def _frame(self) -> tuple[list[str], list[str]]:
        if not self.layout.title:
            return [], []
        room = self.width - 24
        head = wrap(self.layout.title, room, 16)
        sources = "; ".join(dict.fromkeys(s for s in self.layout.sources if s))
        foot = wrap(f"Source: {sources or 'not recorded'}.", room, 11)
        return head, foot


def _log_ticks(low: float, high: float) -> list[float]:
    first = math.floor(math.log10(low))
    last = math.ceil(math.log10(high))
    return [10.0**power for power in range(first, last + 1)]


def _empty(svg: Svg) -> str:
    svg.text(svg.width / 2, svg.height / 2 + 4, _("No figures yet"), anchor="middle", size=14)
    return svg.render()


def line_chart(
    title: str,
    description: str,
    lines: list[Line],
    *,
    target: tuple[str, float] | None = None,
    layout: Layout | None = None,
    plot_height: int = 252,
) -> str:
    """Values by year on a logarithmic axis (trade spans US$ 5 m to US$ 2 bn)."""
    layout = layout or Layout()
    left, right, top = 64, 16, 16
    entries = [(line.name, PALETTE[i % len(PALETTE)], line.dashed) for i, line in enumerate(lines)]
    legend = _legend_rows(entries, layout.width - 24)
    svg = Svg(layout, top + plot_height + 30 + 20 * len(legend) + 8, title, description)
    values = [v for line in lines for _, v in line.points if v > 0]
    if target:
        values.append(target[1])
    years = [x for line in lines for x, _ in line.points]
    if not values or not years:
        return _empty(svg)
    ticks = _log_ticks(min(values), max(values))
    low, high = math.log10(ticks[0]), math.log10(ticks[-1])
    x0, x1 = min(years), max(years)
    span = (x1 - x0) or 1

    def px(year: float) -> float:
        return left + (year - x0) / span * (layout.width - left - right)

    def py(value: float) -> float:
        return top + (high - math.log10(value)) / ((high - low) or 1) * plot_height

    for tick in ticks:
        y = py(tick)
        svg.add(
            f'<line x1="{left}" x2="{layout.width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        svg.text(left - 8, y + 4, _short(tick), anchor="end")
    for year in _year_ticks(int(x0), math.ceil(x1), 5 if layout.narrow else 10):
        svg.text(px(year), top + plot_height + 18, str(year), anchor="middle")
    if target:
        _target_line(svg, target, py(target[1]), left, right)
    for index, line in enumerate(lines):
        _draw_line(svg, line, PALETTE[index % len(PALETTE)], px, py)
    _legend(svg, legend, top + plot_height + 40)
    return svg.render()


def _target_line(svg: Svg, target: tuple[str, float], y: float, left: int, right: int) -> None:
    svg.add(
        f'<line x1="{left}" x2="{svg.width - right}" y1="{y:.1f}" y2="{y:.1f}" '
        f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="2 4"/>'
    )
    label = f"{target[0]}: {money(target[1])}"
    svg.text(svg.width - right, y - 6, label, anchor="end", color=TARGET, weight="600")


def _year_ticks(first: int, last: int, most: int) -> list[int]:
    step = max(1, math.ceil((last - first) / most))
    return list(range(first, last + 1, step))


def _runs(line: Line, points: list[tuple[float, float, float, float]]) -> list[list[tuple]]:
    """Points in runs of consecutive years: a missing year breaks a recorded series."""
    runs: list[list[tuple]] = []
    for point in points:
        if runs and (line.joins_gaps or point[2] - runs[-1][-1][2] <= 1):
            runs[-1].append(point)
        else:
            runs.append([point])
    return runs


def _draw_line(
    svg: Svg, line: Line, color: str, px: Callable[[float], float], py: Callable[[float], float]
) -> None:
    points = [(px(x), py(v), x, v) for x, v in line.points if v > 0]
    for run in _runs(line, points):
        if len(run) < 2:
            continue  # a year alone is its marker only
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y, _, _) in enumerate(run)
        )
        dash = ' stroke-dasharray="6 5"' if line.dashed else ""
        svg.add(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2.5"{dash}/>')
    if line.markers:
        for x, y, year, value in points:
            svg.add(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{color}" stroke="#fff" stroke-width="1.5">'
                f"<title>{escape(line.name)}, {year:g}: {escape(svg.layout.tooltip(value, f'{year:g}'))}"
                "</title></circle>"
            )


LegendEntry = tuple[str, str, bool]  # name, colour, dashed


def _legend_rows(entries: list[LegendEntry], room: float) -> list[list[LegendEntry]]:
    """Legend entries in rows that fit ``room`` pixels; a name too long for a row is clipped."""
    rows: list[list[LegendEntry]] = []
    used = room
    for name, color, dashed in entries:
        name = clip(name, room - 30)
        need = 40 + len(name) * 12 * CHAR
        if used + need > room:
            rows.append([])
            used = 0.0
        rows[-1].append((name, color, dashed))
        used += need
    return rows


def _legend(svg: Svg, rows: list[list[LegendEntry]], y: float) -> None:
    for number, row in enumerate(rows):
        x, line_y = 12.0, y + 20 * number
        for name, color, dashed in row:
            dash = ' stroke-dasharray="6 5"' if dashed else ""
            svg.add(
                f'<line x1="{x}" x2="{x + 22}" y1="{line_y}" y2="{line_y}" stroke="{color}" '
                f'stroke-width="3"{dash}/>'
            )
            svg.text(x + 28, line_y + 4, name, color=INK)
            x += 40 + len(name) * 12 * CHAR


def bar_chart(
    title: str,
    description: str,
    bars: list[tuple[str, float]],
    *,
    layout: Layout | None = None,
    color: str = PALETTE[0],
) -> str:
    """Horizontal bars, largest first, each labelled with its value (on a phone, the label
    above its bar, so that both can be read)."""
    layout = layout or Layout()
    stacked = layout.narrow
    row, top = (40 if stacked else 28), 12
    label_width = 0 if stacked else round(min(260, layout.width * 0.36))
    svg = Svg(layout, top * 2 + row * max(len(bars), 1), title, description)
    if not bars:
        return _empty(svg)
    biggest = max(value for _, value in bars) or 1
    start = 12 if stacked else label_width
    room = layout.width - start - 96
    for index, (label, value) in enumerate(bars):
        y = top + index * row
        length = max(value / biggest * room, 1)
        if stacked:
            svg.text(start, y + 12, clip(label, layout.width - 24), color=INK)
            y += 14
        else:
            svg.text(
                label_width - 8, y + 18, clip(label, label_width - 12), anchor="end", color=INK
            )
        svg.add(
            f'<rect x="{start}" y="{y + 5}" width="{length:.1f}" height="{18 if stacked else row - 10}" rx="3" fill="{color}">'
            f"<title>{escape(label)}: {escape(money(value))}</title></rect>"
        )
        svg.text(start + length + 6, y + 18, money(value), color=MUTED)
    return svg.render()


def grouped_bars(
    title: str,
    description: str,
    categories: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    colors: Sequence[str] = PALETTE,
    layout: Layout | None = None,
    plot_height: int = 240,
) -> str:
    """Bars per category (year), one per series (direction as each side reports it)."""
    layout = layout or Layout()
    left, right, top, axis = 64, 16, 16, 30
    names = [wrap(name, layout.width - 42) for name, _ in series]
    legend_height = sum(18 * len(lines) + 4 for lines in names)
    svg = Svg(layout, top + plot_height + axis + legend_height + 8, title, description)
    values = [v for _, vs in series for v in vs if v]
    if not categories or not values:
        return _empty(svg)
    step = _nice_step(max(values) / 4)
    ceiling = step * math.ceil(max(values) / step)
    slot = (layout.width - left - right) / len(categories)
    bar = max(min(slot * 0.8 / len(series), 28), 2)
    for n in range(round(ceiling / step) + 1):
        y = top + plot_height - n * step / ceiling * plot_height
        svg.add(
            f'<line x1="{left}" x2="{layout.width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        svg.text(left - 8, y + 4, _short(n * step), anchor="end")
    every = max(1, math.ceil(36 / slot))  # category labels that would overlap are skipped
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
                f"<title>{escape(name)}, {escape(category)}: "
                f"{escape(layout.tooltip(value, category))}</title></rect>"
            )
        if c % every == 0:
            svg.text(left + c * slot + slot / 2, top + plot_height + 18, category, anchor="middle")
    y = top + plot_height + axis
    for s, lines in enumerate(names):
        svg.add(f'<rect x="12" y="{y}" width="12" height="12" fill="{colors[s % len(colors)]}"/>')
        for n, text in enumerate(lines):
            svg.text(30, y + 10 + 18 * n, text, color=INK)
        y += 18 * len(lines) + 4
    return svg.render()


def _nice_step(raw: float) -> float:
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power
