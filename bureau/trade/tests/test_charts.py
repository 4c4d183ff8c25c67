"""Charts: a gap in the years is a gap in the line, a phone gets a chart drawn for its width,
and a chart that leaves the page carries its title and its sources."""

from __future__ import annotations

import re

from bureau.trade import charts

SERIES = [(2009, 5.1e6), (2020, 13.2e6), (2021, 11.7e6), (2022, 28.1e6), (2023, 27e6)]


def _paths(svg: str) -> list[str]:
    return re.findall(r'<path d="([^"]+)"', svg)


def test_a_recorded_series_breaks_where_years_are_missing():
    svg = charts.line_chart("t", "d", [charts.Line("Recorded", SERIES)])
    (path,) = _paths(svg)  # 2009 stands alone: no line from it across ten empty years
    assert path.count("M") == 1 and path.count("L") == 3  # 2020 to 2023
    assert svg.count("<circle") == 5  # every year keeps its marker
    fitted = charts.line_chart(
        "t", "d", [charts.Line("Trend", [(2009, 5e6), (2030, 50e6)], joins_gaps=True)]
    )
    assert len(_paths(fitted)) == 1  # a fitted line runs on across the years


def test_two_runs_of_years_are_two_lines():
    svg = charts.line_chart("t", "d", [charts.Line("R", [(2001, 1.0), (2002, 2.0), (2005, 3.0),
                                                         (2006, 4.0)])])  # fmt: skip
    assert [p.count("L") for p in _paths(svg)] == [1, 1]


def _font_sizes(svg: str) -> list[int]:
    return [int(size) for size in re.findall(r'font-size="(\d+)"', svg)]


def test_a_narrow_chart_is_drawn_for_its_width_with_the_same_text_size():
    lines = [charts.Line(name, SERIES) for name in ("Recorded turnover", "A long series name " * 4)]
    narrow = charts.line_chart("t", "d", lines, layout=charts.Layout(charts.NARROW))
    assert 'width="360"' in narrow and min(_font_sizes(narrow)) >= 11
    for x, text in re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="start"[^>]*>([^<]*)<', narrow):
        # Text that starts inside the chart ends inside it too (legends wrap or are clipped).
        assert float(x) + len(text) * 12 * charts.CHAR <= 360 + 1, text
    bars = charts.bar_chart(
        "t", "d", [("27 Mineral fuels, mineral oils and products of their distillation", 1e9)],
        layout=charts.Layout(charts.NARROW),
    )  # fmt: skip
    assert "27 Mineral fuels" in bars and 'text-anchor="end"' not in bars  # label above the bar


def _height(svg: str) -> int:
    found = re.search(r'height="(\d+)" role', svg)
    assert found is not None
    return int(found.group(1))


def test_a_framed_chart_shows_its_title_above_and_its_sources_below():
    plain = charts.line_chart("Trade against the target", "d", [charts.Line("R", SERIES)])
    framed = charts.line_chart(
        "Trade against the target", "d", [charts.Line("R", SERIES)],
        layout=charts.Layout(760, "Azerbaijan and Pakistan", ("AzerNews", "Trend", "AzerNews")),
    )  # fmt: skip
    assert _height(framed) > _height(plain)
    assert 'font-weight="700" fill="#17212b">Azerbaijan and Pakistan</text>' in framed
    assert ">Source: AzerNews; Trend.</text>" in framed  # each source once
    assert "Source:" not in plain
