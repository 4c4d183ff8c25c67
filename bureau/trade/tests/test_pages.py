"""The trade monitor's pages, downloads, staff import and API, through the Django client."""

from __future__ import annotations

import csv
import io
import shlex
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from bureau.catalog import services
from bureau.trade import store
from bureau.trade.importing import import_file
from bureau.trade.importing.formats import BACI_URL
from bureau.trade.tests.builders import BACI, SMALL_WORLD, write_baci, write_figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def press_figures(tmp_path: Path) -> Path:
    path = write_figures(tmp_path / "press.csv", [("2020", "AZE", "PAK", "turnover", "13.2"),
                                                  ("2022", "AZE", "PAK", "turnover", "28.1"),
                                                  ("2023", "AZE", "PAK", "turnover", "27")])  # fmt: skip
    assert not import_file(path, format="figures").errors
    return path


@pytest.fixture
def small_world(tmp_path: Path) -> None:
    assert not import_file(write_baci(tmp_path / "baci.csv", SMALL_WORLD), format="baci").errors


def _csv(client: Client, name: str, **params: str) -> list[dict[str, str]]:
    response = client.get(reverse("trade:table_csv", args=[name]), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_dashboard_without_statistics_says_how_to_import(client: Client):
    html = client.get(reverse("trade:dashboard")).content.decode()
    assert "No trade statistics on this node yet" in html
    assert "bureau trade import FILE" in html


def test_dashboard_shows_the_tracker_with_sources(client: Client, press_figures: Path):
    response = client.get(reverse("trade:dashboard"), {"target_year": "2030"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="latest">US$ 27.0 m<' in html
    required = (2e9 / 27e6) ** (1 / 7) - 1
    assert f'data-testid="required-growth"><bdi dir="ltr">{required * 100:.0f} %</bdi><' in html
    assert 'href="https://example.org/2022"' in html  # every figure links to its source
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 2  # tracker and mirror
    assert "Azerbaijan\N{EN DASH}Pakistan trade monitor" in html


def test_target_year_changes_the_required_growth(client: Client, press_figures: Path):
    html = client.get(reverse("trade:dashboard"), {"target_year": "2040"}).content.decode()
    required = (2e9 / 27e6) ** (1 / 17) - 1
    assert f'data-testid="required-growth"><bdi dir="ltr">{required * 100:.0f} %</bdi><' in html
    response = client.get(reverse("trade:dashboard"), {"target_year": "soon"})
    assert response.status_code == 400
    assert "Enter a whole number" in response.content.decode()


def test_every_table_downloads_as_csv(client: Client, press_figures: Path, small_world: None):
    progress = _csv(client, "progress", target_year="2030")
    assert [row["year"] for row in progress][-1] == "2023"
    assert progress[-1]["turnover_usd"] == "27000000"
    assert progress[-1]["gap_to_target_usd"] == "1973000000"
    assert progress[-1]["source_url"] == "https://example.org/2023"
    bilateral = _csv(client, "bilateral")
    assert {"year", "series", "value_usd", "source", "source_url"} <= set(bilateral[0])
    composition = _csv(client, "composition-ba")
    assert composition == [{"year": "2022", "hs_section": "II",
                            "description": composition[0]["description"], "value_usd": "10000"}]  # fmt: skip
    potential = _csv(client, "potential-ba")
    assert [(r["hs_code"], r["untapped_usd"]) for r in potential] == [("100630", "40000"),
                                                                     ("520100", "20000")]  # fmt: skip
    datasets = _csv(client, "datasets")
    assert sorted(d["format"] for d in datasets) == ["baci", "figures"]
    assert client.get(reverse("trade:table_csv", args=["nothing"])).status_code == 404


def test_charts_download_as_svg(client: Client, press_figures: Path):
    response = client.get(reverse("trade:chart_svg", args=["progress"]), {"download": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "attachment" in response["Content-Disposition"]
    svg = response.content.decode()
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "Recorded turnover, 2023: US$ 27.0 m" in svg  # each point names its value
    assert "Target 2030: US$ 2.00 bn" in svg
    # A file that leaves the page says what it shows and where the figures come from.
    assert ">Azerbaijan\N{EN DASH}Pakistan trade against the target</text>" in svg
    assert ">Source: Test source 2020; Test source 2022; Test source 2023.</text>" in svg
    assert client.get(reverse("trade:chart_svg", args=["datasets"])).status_code == 404


def test_the_page_draws_each_chart_for_a_wide_screen_and_for_a_phone(
    client: Client, press_figures: Path
):
    html = client.get(reverse("trade:dashboard")).content.decode()
    figure = html[html.index('id="figure-progress"') :]
    wide = figure[figure.index("chart-figure__svg--wide") :]
    narrow = figure[figure.index("chart-figure__svg--narrow") :]
    assert wide.index('width="760"') < wide.index("</svg>")
    assert narrow.index('width="360"') < narrow.index("</svg>")
    # The PNG is made from the chart file, with its title and sources.
    assert 'data-src="/trade/charts/progress.svg"' in figure


def _write_baci_release_file(path: Path, year: int) -> Path:
    """A yearly BACI file as CEPII writes it: t,i,j,k,v,q with six-digit product codes and
    values padded with spaces, NA for a missing quantity."""
    with open(path, "w", newline="") as out:
        out.write("t,i,j,k,v,q\n")
        for _year, exporter, importer, product, value in SMALL_WORLD:
            quantity = f"{value / 3:13.3f}" if product != "271111" else f"{'NA':>13}"
            out.write(
                f"{year},{BACI[exporter]},{BACI[importer]},{product},{value:13.3f},{quantity}\n"
            )
    return path


def test_the_potential_section_names_the_file_that_fills_it_and_its_command_imports_it(
    client: Client, tmp_path: Path, shared_data: Path, settings
):
    exports = shared_data / "aze-pak-product-exports/baci_hs92_hs2_exports_aze_pak_2011_2020.csv"
    assert not import_file(exports, format="world-exports").errors
    html = client.get(reverse("trade:dashboard")).content.decode()
    section = html[html.index('id="potential-title"') :]
    assert 'data-testid="potential-needs"' in section  # exports alone rank nothing
    assert f'href="{BACI_URL}"' in section  # where CEPII publishes it
    command = section.split('data-testid="baci-command">', 1)[1].split("<", 1)[0]
    args = shlex.split(command)
    assert args[:3] == ["bureau", "trade", "import"] and args[3].startswith("BACI_HS22_Y")
    assert f"`{command}`" in (settings.BASE_DIR / "docs" / "trade.md").read_text()  # same advice
    # The very command on the page, on a file of that name in BACI's real layout.
    path = _write_baci_release_file(tmp_path / args[3], int(args[3][11:15]))
    call_command(*args[1:3], str(path), *args[4:], stdout=io.StringIO(), stderr=io.StringIO())
    html = client.get(reverse("trade:dashboard")).content.decode()
    section = html[html.index('id="potential-title"') :]
    assert 'data-testid="potential-needs"' not in section
    assert "100630" in section and "Untapped potential: Pakistan → Azerbaijan" in section


def test_the_target_links_to_the_agreement_that_records_it(
    client: Client, press_figures: Path, staff_az
):
    agreement = services.item_create(
        actor=staff_az,
        data={"kind": "agreement", "title": "Bilateral trade target: US$2 billion",
              "agreement_type": "target", "countries": ["AZ", "PK"], "value_amount": "2000000000",
              "value_currency": "USD", "source_title": "Press report of 25 February 2025"},
    )  # fmt: skip
    html = client.get(reverse("trade:dashboard")).content.decode()
    assert 'data-testid="target-source"' not in html  # a draft is no source
    services.item_publish(actor=staff_az, item=agreement)
    html = client.get(reverse("trade:dashboard")).content.decode()
    link = html[html.index('data-testid="target-source"') - 120 :]
    assert f'href="/items/{agreement.pk}/"' in link and "Press report of 25 February" in link
    body = client.get("/api/v1/trade/progress").json()
    assert body["target_source"] == {
        "title": "Bilateral trade target: US$2 billion",
        "item_url": f"/items/{agreement.pk}/",
        "source": "Press report of 25 February 2025",
        "source_url": "",
    }


def test_potential_rows_link_to_live_leads_and_a_subscription(
    client: Client, small_world: None, make_item
):
    make_item(publish=True)  # a published rice lead, HS 100630
    make_item(publish=False, title="A draft rice lead")  # drafts are not live
    html = client.get(reverse("trade:potential"), {"direction": "ba"}).content.decode()
    assert "Untapped potential: Pakistan → Azerbaijan" in html
    assert "1 live lead" in html
    assert 'href="/items/?kind=lead&amp;hs=100630"' in html
    subscribe = next(
        part.split('"')[0]
        for part in html.split('href="')[1:]
        if part.startswith("/subscriptions/new/")
    )
    query = parse_qs(urlparse(subscribe.replace("&amp;", "&")).query)
    assert query["hs_prefixes"] == ["100630"] and query["kinds"] == ["lead"]


def test_dashboard_links_subscribe_to_the_prefilled_form(client: Client, member, small_world: None):
    client.force_login(member)
    url = reverse("alerts:new") + "?kinds=lead&hs_prefixes=100630&name=Leads+for+HS+100630"
    html = client.get(url).content.decode()
    assert 'value="100630"' in html


def test_only_chamber_staff_import(client: Client, member, staff_az, tmp_path: Path):
    assert client.get(reverse("trade:import")).status_code == 302  # to the sign-in page
    client.force_login(member)
    assert client.get(reverse("trade:import")).status_code == 403
    client.force_login(staff_az)
    assert client.get(reverse("trade:import")).status_code == 200


def test_staff_upload_reports_bad_rows_and_stores_nothing(client: Client, staff_az, tmp_path: Path):
    client.force_login(staff_az)
    bad = write_figures(tmp_path / "bad.csv", [("2022", "AZE", "PAK", "turnover", "28.1"),
                                               ("2023", "AZE", "XXQ", "turnover", "27")])  # fmt: skip
    with open(bad, "rb") as upload:
        response = client.post(reverse("trade:import"), {"file": upload, "format": "figures"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "nothing was imported" in html
    assert '<td class="num">3</td>' in html and "XXQ" in html
    assert store.datasets() == []


def test_staff_upload_imports_once_and_can_remove(client: Client, staff_az, tmp_path: Path):
    client.force_login(staff_az)
    good = write_figures(tmp_path / "good.csv", [("2022", "AZE", "PAK", "turnover", "28.1")])
    for expected in ("1 row imported", "was imported before: nothing changed"):
        with open(good, "rb") as upload:
            response = client.post(reverse("trade:import"), {"file": upload, "format": "figures"})
        assert response.status_code == 200
        assert expected in response.content.decode()
    (dataset,) = store.datasets()
    assert dataset.file_name == "good.csv" and dataset.imported_by == staff_az.email
    response = client.post(reverse("trade:dataset_remove", args=[dataset.id]))
    assert response.status_code == 302 and store.datasets() == []


def test_import_form_needs_the_csrf_token(staff_az, tmp_path: Path):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_az)
    good = write_figures(tmp_path / "good.csv", [("2022", "AZE", "PAK", "turnover", "28.1")])
    with open(good, "rb") as upload:
        response = browser.post(reverse("trade:import"), {"file": upload, "format": "figures"})
    assert response.status_code == 403
    assert store.datasets() == []


def test_api_progress(client: Client, press_figures: Path):
    body = client.get("/api/v1/trade/progress", {"target_year": 2030}).json()
    assert body["latest_year"] == 2023 and body["latest_usd"] == 27e6
    assert body["required_annual_growth"] == pytest.approx((2e9 / 27e6) ** (1 / 7) - 1)
    assert body["years"][-1]["source"]["source_url"] == "https://example.org/2023"
    assert body["on_track"] is False
    refused = client.get("/api/v1/trade/progress", {"target_year": 1990})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "target_year"


def test_api_potential_bilateral_and_datasets(
    client: Client, press_figures: Path, small_world: None
):
    potential = client.get("/api/v1/trade/potential", {"direction": "ba"}).json()
    assert potential["exporter"] == "PAK" and potential["method"] == "indicative"
    assert potential["products"][0]["hs_code"] == "100630"
    assert potential["products"][0]["untapped_usd"] == 40000.0
    bilateral = client.get("/api/v1/trade/bilateral").json()
    assert {f["series"] for f in bilateral["figures"]} >= {"turnover_by_a", "ba_reconciled"}
    datasets = client.get("/api/v1/trade/datasets").json()
    assert len(datasets) == 2


def test_a_large_upload_is_imported_from_django_s_own_temporary_file(
    client: Client, staff_az, tmp_path: Path, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload goes to a temporary file
    client.force_login(staff_az)
    good = write_figures(tmp_path / "good.csv", [("2022", "AZE", "PAK", "turnover", "28.1")])
    with open(good, "rb") as upload:
        response = client.post(reverse("trade:import"), {"file": upload, "format": "figures"})
    assert response.status_code == 200
    assert "1 row imported" in response.content.decode()
    (dataset,) = store.datasets()
    assert dataset.file_name == "good.csv" and dataset.rows == 1
