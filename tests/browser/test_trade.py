"""The trade monitor in a real browser: staff import the published figures, anyone reads the
tracker, changes the target year from the keyboard, and saves a chart as PNG and its data as
CSV; a trader goes from an untapped product to a prefilled subscription."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bureau.accounts.models import User
from bureau.trade.demo import load_trade
from bureau.trade.importing import import_file
from bureau.trade.tests.builders import SMALL_WORLD, write_baci
from tests.browser.support import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PRESS = Path("aze-pak-trade-press-figures") / "aze_pak_trade_press_figures.csv"


def test_staff_import_the_press_figures_and_read_the_tracker(
    page: Page, staff_az: User, shared_data: Path, tmp_path: Path
) -> None:
    sign_in(page, staff_az)
    page.goto("/trade/import/")
    page.get_by_label("File").set_input_files(str(shared_data / PRESS))
    page.get_by_label("Format").select_option("figures")
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("status")).to_contain_text(
        "aze_pak_trade_press_figures.csv: 21 rows imported"
    )

    page.get_by_role("link", name="See the trade monitor").click()
    expect(page.get_by_test_id("latest")).to_have_text("US$ 27.0 m")
    tracker = page.get_by_role(
        "img", name="Azerbaijan\N{EN DASH}Pakistan trade turnover against the target"
    )
    expect(tracker).to_be_visible()
    assert tracker.locator("circle").count() == 4  # 2020 to 2023, as reported by Azerbaijan

    # The target year, from the keyboard alone.
    target = page.get_by_label("Target year")
    target.fill("2040")
    target.press("Enter")
    expected = f"{((2e9 / 27e6) ** (1 / 17) - 1) * 100:.0f} %"
    expect(page.get_by_test_id("required-growth")).to_have_text(expected)

    figure = page.locator("#figure-progress")
    with page.expect_download() as png:
        figure.get_by_role("button", name="Chart (PNG)").click()
    saved = tmp_path / "chart.png"
    png.value.save_as(saved)
    data = saved.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    # Drawn at twice the size of the chart file, which carries its title and its sources.
    framed = page.request.get("/trade/charts/progress.svg?target_year=2040").text()
    assert "Source: " in framed
    assert (width, height) == (2 * 760, 2 * int(framed.split('height="')[1].split('"')[0]))

    with page.expect_download() as table:
        figure.get_by_role("link", name="Data (CSV)").click()
    rows = Path(table.value.path()).read_text().splitlines()
    assert rows[0].startswith("year,turnover_usd,gap_to_target_usd")
    assert rows[-1].startswith("2023,27000000,1973000000")


def test_trader_goes_from_an_untapped_product_to_a_subscription(
    page: Page, member: User, make_item: Any, tmp_path: Path
) -> None:
    assert not import_file(write_baci(tmp_path / "baci.csv", SMALL_WORLD), format="baci").errors
    make_item(publish=True)  # a live rice lead
    sign_in(page, member)
    page.goto("/trade/")
    section = page.locator("section", has=page.get_by_role("heading", name="Untapped potential"))
    row = section.get_by_role("row", name="100630")
    expect(row).to_contain_text("1 live lead")
    row.get_by_role("link", name="Subscribe").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("subscription")
    expect(page.locator("#id_hs_prefixes")).to_have_value("100630")


# What a reader sees: the smallest chart text, the tallest table row, and any table whose
# columns do not fit its box (scrolled out of sight).
MEASURE = """() => {
  const shown = (e) => e.getClientRects().length > 0;
  const texts = [...document.querySelectorAll('.chart-figure svg text')].filter(shown);
  const rows = [...document.querySelectorAll('.data-table tbody tr')].filter(shown);
  const wraps = [...document.querySelectorAll('.table-wrap')].filter(shown);
  return {
    charts: document.querySelectorAll('.chart-figure svg').length,
    smallestText: Math.min(...texts.map((t) => t.getBoundingClientRect().height)),
    tallestRow: Math.max(...rows.map((r) => r.getBoundingClientRect().height)),
    clipped: wraps.filter((w) => w.scrollWidth > w.clientWidth + 1)
      .map((w) => w.querySelector('caption').textContent.trim()),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
  };
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_the_monitor_is_readable_on_a_phone_and_a_desktop(
    browser: Any, live_server: Any, shared_data: Path, width: int
) -> None:
    assert all(not done.errors for done in load_trade(shared_data))  # the demo's statistics
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 844}
    )
    page = context.new_page()
    try:
        page.goto("/trade/")
        expect(page.get_by_test_id("latest")).to_be_visible()
        seen = page.evaluate(MEASURE)
        assert seen["charts"] >= 8, seen
        assert seen["smallestText"] >= 10, seen  # was about 5 px on a phone
        assert seen["tallestRow"] < 200, seen  # was about 200 px, with columns clipped
        assert seen["clipped"] == [] and seen["overflow"] <= 0, seen
    finally:
        context.close()


def test_a_visitor_reads_the_monitor_in_rupees_in_urdu_on_a_phone(
    browser: Any, live_server: Any, shared_data: Path
) -> None:
    assert all(not done.errors for done in load_trade(shared_data))
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto("/trade/")
        expect(page.locator(".converted")).to_have_count(0)
        page.get_by_label("Show values also in").select_option("PKR")
        page.get_by_role("button", name="Show", exact=True).click()
        expect(page.get_by_label("Show values also in")).to_have_value("PKR")
        latest = page.get_by_test_id("latest")
        expect(latest).to_contain_text("US$ 27.0 m")
        expect(latest.locator(".converted")).to_contain_text("≈ PKR")
        # The rate is on the page, not only on hover: a note under the tracker names it.
        note = page.locator("section[aria-labelledby='tracker-title'] .rate-note")
        expect(note).to_be_visible()
        expect(note).to_contain_text("PKR per US dollar on")
        expect(note).to_contain_text("World Bank WDI")

        page.get_by_label("Language").select_option("ur")
        page.get_by_role("button", name="Change").click()
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(note).to_contain_text("فی امریکی ڈالر")
        figure = latest.locator(".converted > bdi")
        expect(figure).to_contain_text("(≈ PKR")
        assert figure.evaluate("e => getComputedStyle(e).direction") == "ltr"
        seen = page.evaluate(MEASURE)
        assert seen["overflow"] <= 0 and seen["clipped"] == [], seen
    finally:
        context.close()
