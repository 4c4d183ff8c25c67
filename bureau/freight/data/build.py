"""Build ``network.json``, the corridor network that ships with the bureau.

Run it from the repository (it needs the optional ``freight-data`` dependencies, which pin
``searoute``)::

    .venv/bin/pip install -e '.[freight-data]'
    .venv/bin/python -m bureau.freight.data.build ../shared/data > bureau/freight/data/network.json

The figures below come from a research note of cited sources (ids S*, N*, E* keep the note's
numbering). Each is *published* (read in a source), *computed* (by a named method: sea
distances with searoute, great-circle distances, a difference of two published figures, a
currency conversion) or *estimated* (with its assumption). Where nothing was found and no
assumption is defensible, the figure is left out: the planner then reports the criterion as
unknown. Coordinates come from the research note where it gives them, otherwise from the
UN/LOCODE file of the public data folder (``un-locode/locations``).
"""

from __future__ import annotations

import csv
import itertools
import json
import sys
from pathlib import Path
from typing import Any

from bureau.freight.network import FORMAT, great_circle_km

SEAROUTE = "searoute-1.6.0"
DETOUR = 1.3
SPEEDS = {  # km/h used to estimate hours from a distance, each with its basis
    "road": (19.2, "19.2 km/h, the average of NLC's 2021 TIR pilot from Pakistan to Baku "
                   "(3,680 km in 8 days, S13), border waits included"),
    "rail": (23.7, "23.7 km/h, the ITI container train's 2021 average "
                   "(about 6,540 km in 11.5 days, S2;S3)"),
    "sea": (25.9, "14 knots (25.9 km/h), an assumed container-ship service speed, "
                  "without port time"),
    "ferry": (23.5, "23.5 km/h, the Baku–Turkmenbashi ferry's 306 km in 12–14 h (S21)"),
}  # fmt: skip
EUR_PER_USD_2021 = 0.8453

SOURCES: dict[str, tuple[str, str]] = {
    "S1": ("Pakistan Trade Facilitation Portal: ECO container train Islamabad–Tehran–Istanbul", "http://www.ptfp.com.pk/Transit/Initiative/islamabad-tehran/ECO%20Container%20Train"),
    "S2": ("ISNA (copy): 2nd freight train along the Islamabad–Tehran–Istanbul corridor, 2021", "https://backpackerstokyo.com/posts/2nd-freight-train-along-islamabad-tehran-istanbul-iti-corridor-enters-tehran"),
    "S3": ("Iran Chamber (otaghiranonline): ITI container train", "https://en.otaghiranonline.ir/print/33358"),
    "S4": ("Dawn: TCDD tariff for the Turkish section of the ITI train, 2021", "https://www.dawn.com/news/1622833"),
    "S5": ("Quetta–Taftan Line (encyclopedia)", "https://enwikipedia.net/wiki/Quetta%E2%80%93Taftan_Line"),
    "S6": ("Zameen News: first standard-gauge rail track", "https://zameen.com/news/first-standard-gauge-rail-track.html"),
    "S7": ("Railway lines in Pakistan (encyclopedia)", "https://pinocchiopedia.com/wiki/Railway_lines_in_Pakistan"),
    "S8": ("Rohri–Chaman Line (encyclopedia)", "https://readtiger.com/wkp/en/Rohri%E2%80%93Chaman_Line"),
    "S9": ("Zahedan railway station (encyclopedia)", "https://it.xcv.wiki/wiki/Zahedan_railway_station"),
    "S10": ("Taftan, Balochistan (encyclopedia)", "https://de.wiki.li/Taftan_(Belutschistan)"),
    "S11": ("Business Recorder: Iran, Pakistan open Rimdan–Gabd border gateway, 2020", "https://www.brecorder.com/news/40042915/iran-pakistan-open-rimdan-gabd-cross-border-gateway"),
    "S12": ("Daily Times: first truck from Pakistan reaches Turkey under TIR, 2021", "https://dailytimes.com.pk/828855/first-truck-from-pakistan-reaches-turkey-under-tir-treaty-dawood/"),
    "S13": ("The News: NLC completes TIR round trip to Turkey, Azerbaijan, 2021", "https://www.thenews.com.pk/print/903200-nlc-completes-tir-round-trip-to-turkey-azerbaijan"),
    "S14": ("Financial Tribune: ECO's 3-nation road transport corridor operational, 2021", "https://financialtribune.com/articles/domestic-economy/110559/eco-s-3-nation-road-transport-corridor-becomes-operational"),
    "S17": ("AzerNews / Financial Tribune: Qazvin–Rasht railway", "https://www.azernews.az/business/199217.html"),
    "S18": ("Privatbahn Magazin: Astara–Astara rail link, 2017", "https://privatbahn-magazin.de/bprima/category/international/"),
    "S19": ("Railway Gazette: Iran's Caspian Sea rail link commissioned, 2024", "https://www.railwaygazette.com/infrastructure/irans-caspian-sea-rail-link-commissioned/66796.article"),
    "S20": ("News Central Asia: 3–5 days from Turkmenistan to Bandar Abbas, 2024", "https://www.newscentralasia.net/2024/02/13/iran-offers-fast-transit-times-on-north-south-rail-corridor-3-5-days-from-turkmenistan-to-bandar-abbas/"),
    "S21": ("Eurasia Travel: Caspian ferry", "http://eurasia.travel/azerbaijan/transport/caspian_ferry/"),
    "S22": ("Sea News Azerbaijan: first cargo from Kuryk port, 2017", "https://sea-news.az/2017/03/29/the-first-cargo-from-kazakhstans-kuryk-port-arrived-in-azerbaijan/"),
    "S23": ("Cycloscope: crossing the Caspian Sea", "https://cycloscope.net/attraversare-il-mar-caspio"),
    "S24": ("Baku–Tbilisi–Kars railway (Wikipedia)", "https://en.wikipedia.org/wiki/Baku%E2%80%93Tbilisi%E2%80%93Kars_railway"),
    "S25": ("RaillyNews: Azerbaijan railway map, 2019", "https://www.raillynews.com/2019/07/azerbeycan-demiryolu-haritasi/"),
    "S27": ("Agenda.ge: Poti–Baku block train, 2014", "https://agenda.ge/en/news/2014/1741"),
    "S28": ("Sea News Azerbaijan: Georgia's fee in the South-West transport corridor, 2017", "https://sea-news.az/2017/06/19/georgia-says-has-lowest-fee-in-south-west-transport-corridor/"),
    "S33": ("Washington DC Despatch: Uzbekistan's first cargo transit from Pakistan through Afghanistan, 2022", "https://www.washingtondcdespatch.com/news/uzbekistan-makes-first-cargo-transit-from-pakistan-through-afghanistan202206181024420001/"),
    "S34": ("Tridge: vegetables and fruits from Pakistan to Uzbekistan, 2022", "https://www.tridge.com/ko/news/more-than-2500-tons-of-vegetables-and-fruits-from-"),
    "S35": ("Times of Central Asia: first cargo from Pakistan to Azerbaijan via Kazakhstan", "https://timesca.com/first-cargo-transported-from-pakistan-to-azerbaijan-via-kazakhstan/"),
    "S37": ("Afghanistan–Uzbekistan Friendship Bridge (Wikipedia)", "https://en.m.wikipedia.org/wiki/Afghanistan%E2%80%93Uzbekistan_Friendship_Bridge"),
    "S38": ("How long does it take for a ship to go through the Suez Canal", "https://howlongdoesittake.com/for-a-ship-to-go-through-the-suez-canal/"),
    "S40": ("Karachi–Peshawar main line (Wikipedia, 2023 copy)", "https://iiab.me/kiwix/content/wikipedia_en_all_maxi_2023-10/A/Karachi%E2%80%93Peshawar_main_line"),
    "S41": ("Gujarati Vishwakosh: Quetta", "https://gujarativishwakosh.org/%E0%AA%B5%E0%AA%BF%E0%AA%B7%E0%AA%AF/%e0%aa%95%e0%ab%8d%e0%aa%b5%e0%ab%87%e0%aa%9f%e0%aa%be"),
    "S42": ("TransUkr: Baku international sea port", "https://transukr.dp.ua/tag/bakinskij-mezhdunarodnyj-port"),
    "S44": ("Travel Adventures: Baku–Turkmenbashy ferry", "http://www.traveladventures.org/continents/asia/baku-turkmenbashy-ferry.html"),
    "S45": ("Two Bike To: Caspian Sea ferry", "https://twobiketo.com/caspian-sea-ferry"),
    "N1": ("Port of Karachi (Wikipedia, Bengali)", "http://bn.m.wiki.x.io/wiki/%E0%A6%95%E0%A6%B0%E0%A6%BE%E0%A6%9A%E0%A6%BF_%E0%A6%AC%E0%A6%A8%E0%A7%8D%E0%A6%A6%E0%A6%B0"),
    "N2": ("Port Qasim (encyclopedia)", "https://wiki.alquds.edu/?query=Port_Qasim"),
    "N3": ("Gwadar Port (encyclopedia)", "https://wiki.studentb.eu/view_html.php?lang=en&q=Gwadar_Port&sq=Google"),
    "N4": ("Burning Compass: Pakistan's cities", "https://www.burningcompass.com/countries/pakistan/pakistan-capital.html"),
    "N5": ("Quetta (encyclopedia)", "https://wiki.richxsearch.com/view_html.php?sq=CIA&lang=en&q=Quetta"),
    "N6": ("Torkham border crossing (encyclopedia)", "https://review.clateway.com/wiki/view_html.php?q=Torkham_border_crossing&sq=Qlik"),
    "N7": ("Taftan, Balochistan (encyclopedia)", "https://friendlywiki.com/article/index.php?title=Taftan%2C_Balochistan"),
    "N8": ("Mirjaveh (encyclopedia)", "https://nzt-eth.ipns.dweb.link/wiki/Mirjaveh.html"),
    "N10": ("Star Marine: Bandar Abbas port", "https://www.starmarine.net/bandar-abbas-port/"),
    "N12": ("Chabahar Port (Wikipedia, 2024 copy)", "https://encyclopedia.datana.cloud/content/wikipedia_en_all_mini_2024-04/A/Chabahar_Port"),
    "N13": ("Astara, Azerbaijan (Wikipedia, Scots)", "https://sco.wikipedia.org/wiki/Astara,_Azerbaijan"),
    "N14": ("Coordinates of Baku", "https://obzorurokov.ru/azerbajdzhan/koordinaty-baku.html"),
    "N15": ("Port of Baku (WikiMili)", "https://wikimili.com/en/Port_of_Baku"),
    "N16": ("Vintage Passports: by ship from Baku to Aktau, 2016", "https://vintagepassports.blogspot.com/2016/11/mit-dem-schiff-von-baku-nach-aktau.html"),
    "N18": ("Turkmenbashi International Seaport (Wikipedia, 2020 copy)", "https://a.osmarks.net/content/wikipedia_en_all_maxi_2020-08/A/Turkmenbashi_International_Seaport"),
    "N19": ("Mangystau Region (encyclopedia)", "https://koaha.org/wiki/Regione_di_Mangghystau"),
    "N20": ("Kuryk (encyclopedia)", "https://perceptiode.com/%D0%9A%D1%83%D1%80%D1%8B%D0%BA"),
    "N21": ("Tashkent (encyclopedia)", "https://wiki-gateway.eudic.net/wikipedia_en/Tashkent.html"),
    "N24": ("Tbilisi (encyclopedia)", "https://askwikinow.com/view_html.php?lang=cs&q=Tbilisi&sq=Facebook"),
    "N25": ("List of ports in Georgia (Wikipedia, 2020 copy)", "https://a.osmarks.net/content/wikipedia_en_all_maxi_2020-08/A/List_of_ports_in_Georgia_(country)"),
    "N27": ("Kars railway station (encyclopedia)", "https://wikijii.com/wiki/Kars_railway_station"),
    "N28": ("Escoship: Marmara Sea ports (Ambarli)", "http://www.escoship.com/category/portsofturkey/marmara-sea-ports/"),
    "N29": ("North Maritime: port of Mersin", "http://northmaritime.com/ports-info/mediterranean-region/90-port-of-mersin-tcdd-atas-refinery.html"),
    "E1": ("Mode Shift Centre: environment (DEFRA direct factors; edition not stated)", "http://www.modeshiftcentre.org.uk/water_freight/why_use_water_freight/environment/"),
    "E2": ("DEFRA/DECC 2012 greenhouse gas conversion factors for company reporting, Table 7e", "https://www.yumpu.com/en/document/view/38219432/greenhouse-gas-conversion-factors-for-company-reporting/35"),
    "E4": ("Climatiq: UK government rail freight upstream factor, 2025", "https://www.climatiq.io/data/emission-factor/d5089ae2-a5cb-4aac-bde3-9543b8951b56"),
    "E5": ("Climatiq: GLEC Framework v3.0 RoPax 10,000–19,999 GT, MDO", "https://www.climatiq.io/data/emission-factor/ea5e6297-8958-4870-9df2-00b86e992af4"),
    "FRED": ("US Federal Reserve H.10 exchange rates via FRED (datasets/exchange-rates, annual)", "https://fred.stlouisfed.org/"),
    "UNLOCODE": ("UNECE UN/LOCODE with coordinates (geoapify/un-locode, Oct 2024)", "https://unece.org/trade/uncefact/unlocode"),
}  # fmt: skip

METHODS = {
    SEAROUTE: "searoute 1.6.0 (Eurostat MARNET sea network): shortest sea path between the "
    "ports' coordinates, in km",
    "great-circle": "great-circle distance between the two places' coordinates (haversine, "
    "mean Earth radius 6,371 km)",
    "difference": "a published total less a published part, as the note says",
    "eur-to-usd-2021": f"euros converted at {EUR_PER_USD_2021} EUR per USD, the 2021 annual "
    "average (FRED)",
}

# id, name, country, kind, (lat, lon) or None for UN/LOCODE, sources, aliases, note
NODES: list[tuple[Any, ...]] = [
    ("PKKHI", "Karachi Port", "PK", "seaport", (24.835, 66.9819), ["N1"], ["Karachi"], ""),
    ("PKBQM", "Port Qasim", "PK", "seaport", (24.767, 67.333), ["N2"], ["Muhammad Bin Qasim"], ""),
    ("PKGWD", "Gwadar Port", "PK", "seaport", (25.1106, 62.3397), ["N3"], ["Gwadar"], ""),
    ("PKISB", "Islamabad", "PK", "city", (33.6844, 73.0479), ["N4"], ["Margalla"], "Origin of the ITI container train (Margalla)."),
    ("PKPEW", "Peshawar", "PK", "city", (34.0150, 71.5251), ["N4"], [], ""),
    ("PKROH", "Rohri", "PK", "rail", None, [], [], "Junction of the Karachi–Peshawar and Rohri–Chaman lines."),
    ("PKUET", "Quetta", "PK", "city", (30.183, 67.000), ["N5"], [], "Rail hub of the Rohri–Chaman and Quetta–Taftan lines."),
    ("PKTOR", "Torkham", "PK", "border", (34.11472, 71.08472), ["N6"], [], "Pakistan–Afghanistan crossing."),
    ("PKTFT", "Taftan", "PK", "border", (28.948, 61.5844), ["N7"], ["Koh-e-Taftan"], "Pakistan–Iran crossing."),
    ("PK-GABD", "Gabd", "PK", "border", (25.2, 61.65), [], ["Gabd-Rimdan", "Rimdan"],
     "Gabd–Rimdan crossing, opened 19 December 2020 (S11). No published coordinates were found: "
     "estimated on the coast road from its distances to Gwadar (70 km) and Chabahar (120 km)."),
    ("IR-MIRJAVEH", "Mirjaveh", "IR", "border", (29.01472, 61.45), ["N8"], [], "Iranian side of the Taftan crossing."),
    ("IRZAH", "Zahedan", "IR", "rail", (29.480009, 60.874922), ["S9"], [], "Break of gauge (1,676/1,435 mm) and customs at the station (S9)."),
    ("IRBND", "Bandar Abbas", "IR", "seaport", (27.152955, 56.23988), ["N10"], ["Shahid Rajaee"], ""),
    ("IRZBR", "Chabahar", "IR", "seaport", (25.300278, 60.612778), ["N12"], ["Chah Bahar"], ""),
    ("IRTHR", "Tehran", "IR", "city", None, [], [], ""),
    ("IRQAZ", "Qazvin", "IR", "city", None, [], [], ""),
    ("IRRAS", "Rasht", "IR", "city", None, [], [], "The Rasht–Astara railway (162–167 km) is not built (S17)."),
    ("IRBAZ", "Bandar Anzali", "IR", "ferry-port", None, [], ["Anzali", "Bandar-e Anzali"], ""),
    ("IRAMD", "Bandar Amirabad", "IR", "ferry-port", None, [], ["Amirabad"], ""),
    ("IRASR", "Astara (Iran)", "IR", "border", None, [], [], ""),
    ("IRCKT", "Sarakhs", "IR", "border", None, [], [], "Iran–Turkmenistan rail crossing."),
    ("AZBAK", "Baku", "AZ", "city", (40.37767, 49.89201), ["N14"], [], "The city; its port is at Alat (AZALA)."),
    ("AZAST", "Astara (Azerbaijan)", "AZ", "border", (38.45611, 48.87861), ["N13"], ["Astara"], ""),
    ("AZALA", "Port of Baku (Alat)", "AZ", "ferry-port", (39.9763, 49.4413), ["N16"], ["Alat", "Baku port"],
     "Coordinates of the Alat gate (N16); the encyclopedia point for the Port of Baku (40.2343, 49.5256, N15) does not match it."),
    ("TMKRW", "Turkmenbashi", "TM", "ferry-port", (40.0, 53.0333), ["N18"], ["Turkmenbashy"], ""),
    ("KZAAU", "Aktau", "KZ", "ferry-port", (43.65, 51.15), ["N19"], [], ""),
    ("KZKUR", "Kuryk", "KZ", "ferry-port", (43.2, 51.65), ["N20"], [], "Ferry port about 20 km from the village."),
    ("UZTAS", "Tashkent", "UZ", "city", (41.267, 69.217), ["N21"], [], ""),
    ("UZTER", "Termez", "UZ", "border", None, [], [], "Uzbek end of the Afghanistan–Uzbekistan Friendship Bridge (S37)."),
    ("AFHRT", "Hairatan", "AF", "border", None, [], [], "Afghan end of the Friendship Bridge, the only fixed Uzbek–Afghan link (S37)."),
    ("AFMZR", "Mazar-i-Sharif", "AF", "city", None, [], [], ""),
    ("AFKBL", "Kabul", "AF", "city", None, [], [], ""),
    ("GEPTI", "Poti", "GE", "seaport", (42.1592, 41.6586), ["N25"], [], ""),
    ("GEBUS", "Batumi", "GE", "seaport", (41.6499, 41.6571), ["N25"], [], ""),
    ("GETBS", "Tbilisi", "GE", "city", (41.7167, 44.7833), ["N24"], [], ""),
    ("GEZAI", "Akhalkalaki", "GE", "rail", None, [], [], "Break of gauge (1,520/1,435 mm) on the BTK line, 105 km from Kars (S24)."),
    ("TRKSY", "Kars", "TR", "rail", (40.361865, 43.062405), ["N27"], [], ""),
    ("TRKPY", "Kapıköy", "TR", "border", None, [], ["Kapikoy", "Razi"], "Iran–Turkey rail crossing (Razi on the Iranian side)."),
    ("TRIST", "Istanbul (Ambarli)", "TR", "seaport", (40.945, 28.675), ["N28"], ["Istanbul", "Ambarli"], ""),
    ("TRMER", "Mersin", "TR", "seaport", (36.7722, 34.65), ["N29"], [], ""),
]  # fmt: skip


def published(value: float, sources: str, *, low: float | None = None, high: float | None = None,
              year: int | None = None, note: str = "") -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {"value": value, "basis": "published", "sources": sources.split(";")}
    for key, item in (("low", low), ("high", high), ("year", year), ("note", note)):
        if item not in (None, ""):
            out[key] = item
    return out


def published_range(low: float, high: float, sources: str, **extra: Any) -> dict[str, Any]:
    return published(round((low + high) / 2, 1), sources, low=low, high=high, **extra)


def computed(value: float, method: str, sources: str = "", note: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"value": round(value, 1), "basis": "computed", "method": method}
    if sources:
        out["sources"] = sources.split(";")
    if note:
        out["note"] = note
    return out


def estimated(value: float, assumption: str, **extra: Any) -> dict[str, Any]:
    return {"value": round(value, 1), "basis": "estimated", "assumption": assumption, **extra}


class Builder:
    def __init__(self, data: Path) -> None:
        self.coords: dict[str, tuple[float, float]] = {}
        self.nodes = [self._node(row, data) for row in NODES]
        self.legs: list[dict[str, Any]] = []

    def _node(self, row: tuple[Any, ...], data: Path) -> dict[str, Any]:
        node_id, name, country, kind, where, sources, aliases, note = row
        if where is None:  # from the UN/LOCODE file, which names its own source
            where, geocoded = _locode(data, node_id)
            sources = ["UNLOCODE"]
            if geocoded:
                note = (
                    note + " " if note else ""
                ) + "Coordinates geocoded by the UN/LOCODE file's publisher (approximate)."
        self.coords[node_id] = where
        locode = node_id if "-" not in node_id else ""
        out = {"id": node_id, "name": name, "country": country, "kind": kind,
               "lat": where[0], "lon": where[1], "locode": locode, "sources": sources}  # fmt: skip
        if aliases:
            out["aliases"] = aliases
        if note:
            out["note"] = note
        return out

    def span(self, places: list[str]) -> float:
        pairs = itertools.pairwise(places)
        return sum(great_circle_km(*self.coords[a], *self.coords[b]) for a, b in pairs)

    def km_estimate(self, places: list[str], mode: str) -> dict[str, Any]:
        return estimated(self.span(places) * DETOUR,
                         f"great-circle distance × {DETOUR}, an assumed detour factor for {mode}; "
                         "no published distance was found")  # fmt: skip

    def leg(self, leg_id: str, origin: str, destination: str, mode: str, *, via: tuple[str, ...] = (),
            km: dict[str, Any] | None = None, hours: dict[str, Any] | None = None,
            **extra: Any) -> None:  # fmt: skip
        places = [origin, *via, destination]
        if km is None and mode in ("road", "rail"):
            km = self.km_estimate(places, mode)
        elif km is None and mode == "ferry":
            km = computed(self.span(places), "great-circle")
        if hours is None and km is not None:
            speed, basis = SPEEDS[mode]
            hours = estimated(km["value"] / speed, f"distance ÷ {basis}")
        record: dict[str, Any] = {"id": leg_id, "from": origin, "to": destination, "mode": mode}
        if via:
            record["via"] = list(via)
        record.update({"distance_km": km, "hours": hours})
        record.update({key: value for key, value in extra.items() if value is not None})
        self.legs.append(record)

    def sea(self, leg_id: str, origin: str, destination: str, **extra: Any) -> None:
        import searoute  # only needed to build the file

        a, b = self.coords[origin], self.coords[destination]
        found = searoute.searoute([a[1], a[0]], [b[1], b[0]], units="km")
        length = found["properties"]["length"]
        path = [[round(lat, 2), round(lon, 2)] for lon, lat in found["geometry"]["coordinates"]]
        self.leg(leg_id, origin, destination, "sea", km=computed(length, SEAROUTE),
                 corridors=["Sea"], path=path, **extra)  # fmt: skip


def _locode(data: Path, code: str) -> tuple[tuple[float, float], bool]:
    with (data / "un-locode" / "locations" / f"{code[:2]}.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["location"] == code[2:] and row["lat"]:
                return (round(float(row["lat"]), 5), round(float(row["lon"]), 5)), row[
                    "geocoded"
                ] == "true"
    raise SystemExit(f"{code} has no coordinates in the UN/LOCODE file")


def build(data: Path) -> dict[str, Any]:
    from bureau.freight.data.legs import EMISSION_FACTORS, all_legs

    builder = Builder(data)
    all_legs(builder)
    return {
        "format": FORMAT,
        "title": "Corridors between Pakistan and Azerbaijan",
        "description": (
            "Ports, rail and road links, border crossings and Caspian ferries of the North–South "
            "corridor through Iran, the Middle Corridor, the ITI train, TIR road transport and the "
            "routes through Afghanistan and Central Asia, with every figure's basis. "
            "Built by bureau/freight/data/build.py; see docs/freight.md."
        ),
        "methods": METHODS,
        "sources": {key: {"title": title, "url": url} for key, (title, url) in SOURCES.items()},
        "emission_factors": EMISSION_FACTORS,
        "nodes": builder.nodes,
        "legs": builder.legs,
    }


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(
            "usage: python -m bureau.freight.data.build PUBLIC_DATA_FOLDER > network.json"
        )
    json.dump(build(Path(argv[1])), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
