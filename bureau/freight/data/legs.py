"""The legs of the shipped network, figure by figure (see ``build.py`` for the bases)."""

from __future__ import annotations

from bureau.freight.data.build import (
    EUR_PER_USD_2021,
    SPEEDS,
    Builder,
    computed,
    estimated,
    published,
    published_range,
)

BROAD, STANDARD, RUSSIAN = 1676, 1435, 1520
NS, MIDDLE, ITI, TIR, AFGHAN, COAST = (
    "North–South (INSTC)", "Middle Corridor", "ITI train", "TIR road", "Trans-Afghan", "Gwadar–Chabahar",
)  # fmt: skip
ROAD_CARGO = ["container", "break-bulk"]


def pakistan(b: Builder) -> None:
    b.leg(
        "PK-ROAD-KHI-UET",
        "PKKHI",
        "PKUET",
        "road",
        km=published(608, "S41", note="weak: an encyclopedia's distance"),
        corridors=[TIR],
        cargo=ROAD_CARGO,
    )
    b.leg(
        "PK-ROAD-UET-TFT",
        "PKUET",
        "PKTFT",
        "road",
        km=published(600, "S10;N7", note="over 500 km, about 600 (N-40)"),
        corridors=[TIR],
        cargo=ROAD_CARGO,
    )
    b.leg("PK-ROAD-KHI-BQM", "PKKHI", "PKBQM", "road", cargo=ROAD_CARGO)
    b.leg("PK-RAIL-KHI-ROH", "PKKHI", "PKROH", "rail", gauge_from=BROAD, gauge_to=BROAD)
    b.leg(
        "PK-RAIL-ROH-UET",
        "PKROH",
        "PKUET",
        "rail",
        km=published(
            381, "S8", note="Quetta is at km 381 of the 523 km Rohri–Chaman line; axle load 17.78 t"
        ),
        gauge_from=BROAD,
        gauge_to=BROAD,
    )
    b.leg(
        "PK-RAIL-UET-TFT",
        "PKUET",
        "PKTFT",
        "rail",
        km=published(
            523, "S5;S6;S7", note="ML-4, axle load 17.27 t; S7 gives Spezand–Taftan 632 km"
        ),
        gauge_from=BROAD,
        gauge_to=BROAD,
        corridors=[ITI],
    )
    b.leg(
        "PK-RAIL-KHI-PEW",
        "PKKHI",
        "PKPEW",
        "rail",
        km=published(
            1687, "S40;S7", note="ML-1; the published 30–32 h is a passenger timing, not freight"
        ),
        gauge_from=BROAD,
        gauge_to=BROAD,
    )
    b.leg("PK-ROAD-ISB-PEW", "PKISB", "PKPEW", "road", cargo=ROAD_CARGO)
    b.leg("PK-ROAD-PEW-TOR", "PKPEW", "PKTOR", "road", corridors=[AFGHAN], cargo=ROAD_CARGO)
    b.leg(
        "PK-ROAD-GWD-GABD",
        "PKGWD",
        "PK-GABD",
        "road",
        km=published(70, "S11"),
        corridors=[COAST],
        cargo=ROAD_CARGO,
    )


def afghanistan(b: Builder) -> None:
    b.leg("AF-ROAD-TOR-KBL", "PKTOR", "AFKBL", "road", corridors=[AFGHAN], cargo=ROAD_CARGO)
    b.leg("AF-ROAD-KBL-MZR", "AFKBL", "AFMZR", "road", corridors=[AFGHAN], cargo=ROAD_CARGO)
    b.leg("AF-ROAD-MZR-HRT", "AFMZR", "AFHRT", "road", corridors=[AFGHAN], cargo=ROAD_CARGO)
    b.leg(
        "AF-RAIL-HRT-MZR",
        "AFHRT",
        "AFMZR",
        "rail",
        km=published(75, "S37", note="about 75 km, opened 2010–11"),
        gauge_from=RUSSIAN,
        gauge_to=RUSSIAN,
    )
    b.leg(
        "AF-ROAD-HRT-TER",
        "AFHRT",
        "UZTER",
        "road",
        corridors=[AFGHAN],
        cargo=ROAD_CARGO,
        note="Friendship Bridge (road and rail)",
    )
    b.leg(
        "AF-RAIL-HRT-TER",
        "AFHRT",
        "UZTER",
        "rail",
        gauge_from=RUSSIAN,
        gauge_to=RUSSIAN,
        note="Friendship Bridge (road and rail)",
    )
    b.leg("UZ-ROAD-TER-TAS", "UZTER", "UZTAS", "road", corridors=[AFGHAN], cargo=ROAD_CARGO)
    b.leg(
        "PK-UZ-ROAD-KHI-TAS",
        "PKKHI",
        "UZTAS",
        "road",
        via=("PKPEW", "PKTOR", "AFKBL", "AFMZR", "AFHRT", "UZTER"),
        km=published(2760, "S33;S34"),
        hours=published(168, "S33", note="about a week, June 2022"),
        usd_per_teu=estimated(
            3750,
            "USD 3,500–4,000 per truck (2022, S33;S34), midpoint, one container per truck",
            year=2022,
        ),
        corridors=[AFGHAN],
        cargo=ROAD_CARGO,
        service="Road transit Pakistan–Afghanistan–Uzbekistan (2022 first run)",
    )
    ferry_km = b.span(["KZAAU", "AZALA"])
    b.leg(
        "PK-KZ-ROAD-KHI-AAU",
        "PKKHI",
        "KZAAU",
        "road",
        via=("PKPEW", "PKTOR", "AFKBL", "AFMZR", "AFHRT", "UZTER"),
        km=estimated(
            4820 - ferry_km,
            f"S35's 4,820 km Karachi–Baku less the Aktau–Alat ferry crossing ({ferry_km:.0f} km great-circle); the route in Afghanistan and Uzbekistan is assumed",
        ),
        hours=estimated(
            504 - 22, "S35's 21 days Karachi–Baku less the 22 h Aktau–Alat ferry (S22;S23)"
        ),
        corridors=[AFGHAN, MIDDLE],
        cargo=ROAD_CARGO,
        service="TCS road pilot Karachi–Baku via Afghanistan, Uzbekistan and Kazakhstan, then ferry",
    )


def iran(b: Builder) -> None:
    b.leg("PK-IR-ROAD-TFT-MJV", "PKTFT", "IR-MIRJAVEH", "road", corridors=[TIR], cargo=ROAD_CARGO)
    b.leg(
        "IR-ROAD-MJV-ZAH",
        "IR-MIRJAVEH",
        "IRZAH",
        "road",
        km=published(90, "S9;S6;S10", note="about 90 km"),
        corridors=[TIR],
        cargo=ROAD_CARGO,
    )
    b.leg(
        "PK-IR-RAIL-TFT-ZAH",
        "PKTFT",
        "IRZAH",
        "rail",
        gauge_from=BROAD,
        gauge_to=BROAD,
        corridors=[ITI],
        note="Broad gauge into Zahedan station, where the gauge changes (S9); a standard-gauge line of 95 km is planned",
    )
    b.leg("IR-ROAD-ZAH-THR", "IRZAH", "IRTHR", "road", corridors=[TIR], cargo=ROAD_CARGO)
    b.leg(
        "IR-RAIL-ZAH-THR",
        "IRZAH",
        "IRTHR",
        "rail",
        gauge_from=STANDARD,
        gauge_to=STANDARD,
        corridors=[ITI],
    )
    b.leg("IR-ROAD-THR-QAZ", "IRTHR", "IRQAZ", "road", corridors=[TIR, NS], cargo=ROAD_CARGO)
    b.leg(
        "IR-RAIL-THR-QAZ",
        "IRTHR",
        "IRQAZ",
        "rail",
        gauge_from=STANDARD,
        gauge_to=STANDARD,
        corridors=[NS],
    )
    b.leg("IR-ROAD-QAZ-RAS", "IRQAZ", "IRRAS", "road", corridors=[TIR, NS], cargo=ROAD_CARGO)
    b.leg(
        "IR-RAIL-QAZ-RAS",
        "IRQAZ",
        "IRRAS",
        "rail",
        km=published(175, "S17", note="opened 6 March 2019"),
        gauge_from=STANDARD,
        gauge_to=STANDARD,
        corridors=[NS],
    )
    b.leg(
        "IR-ROAD-RAS-ASR",
        "IRRAS",
        "IRASR",
        "road",
        corridors=[TIR, NS],
        cargo=ROAD_CARGO,
        note="The railway Rasht–Astara (162–167 km) is not built (S17): road only",
    )
    b.leg(
        "IR-RAIL-RAS-BAZ",
        "IRRAS",
        "IRBAZ",
        "rail",
        km=published(37, "S19", note="opened 20 June 2024"),
        gauge_from=STANDARD,
        gauge_to=STANDARD,
        corridors=[NS],
    )
    b.leg("IR-AZ-ROAD-ASR-AST", "IRASR", "AZAST", "road", corridors=[TIR, NS], cargo=ROAD_CARGO)
    b.leg(
        "IR-AZ-RAIL-ASR-AST",
        "IRASR",
        "AZAST",
        "rail",
        km=published(8.3, "S18", note="dual-gauge bridge, opened 5 March 2017"),
        gauge_from=STANDARD,
        gauge_to=RUSSIAN,
        corridors=[NS],
    )
    b.leg("AZ-ROAD-AST-BAK", "AZAST", "AZBAK", "road", corridors=[TIR, NS], cargo=ROAD_CARGO)
    b.leg(
        "AZ-RAIL-AST-BAK",
        "AZAST",
        "AZBAK",
        "rail",
        gauge_from=RUSSIAN,
        gauge_to=RUSSIAN,
        corridors=[NS],
    )
    b.leg(
        "IR-RAIL-BND-THR",
        "IRBND",
        "IRTHR",
        "rail",
        gauge_from=STANDARD,
        gauge_to=STANDARD,
        corridors=[NS],
    )
    b.leg("IR-ROAD-BND-THR", "IRBND", "IRTHR", "road", corridors=[NS], cargo=ROAD_CARGO)
    b.leg(
        "IR-RAIL-BND-CKT",
        "IRBND",
        "IRCKT",
        "rail",
        hours=published_range(72, 120, "S20", note="3–5 days (Iranian railways' claim, 2024)"),
        gauge_from=STANDARD,
        gauge_to=STANDARD,
        corridors=[NS],
    )
    b.leg("IR-ROAD-ZBR-ZAH", "IRZBR", "IRZAH", "road", corridors=[COAST], cargo=ROAD_CARGO)
    b.leg(
        "IR-RAIL-THR-AMD",
        "IRTHR",
        "IRAMD",
        "rail",
        gauge_from=STANDARD,
        gauge_to=STANDARD,
        corridors=[NS],
    )
    b.leg(
        "PK-IR-ROAD-GABD-ZBR",
        "PK-GABD",
        "IRZBR",
        "road",
        km=published(120, "S11"),
        corridors=[COAST],
        cargo=ROAD_CARGO,
    )
    b.leg("IR-AZ-FERRY-BAZ-ALA", "IRBAZ", "AZALA", "ferry", corridors=[NS])
    b.leg("IR-AZ-FERRY-AMD-ALA", "IRAMD", "AZALA", "ferry", corridors=[NS])


def through_services(b: Builder) -> None:
    """End-to-end services whose figures were published only as a whole."""
    usd_km = 0.18 / EUR_PER_USD_2021
    b.leg(
        "PK-RAIL-ISB-TFT",
        "PKISB",
        "PKTFT",
        "rail",
        km=published_range(1900, 1990, "S1;S2;S3", note="the ITI train's Pakistani section"),
        gauge_from=BROAD,
        gauge_to=BROAD,
        corridors=[ITI],
        cargo=["container"],
    )
    b.leg(
        "IR-RAIL-TFT-KPY",
        "PKTFT",
        "TRKPY",
        "rail",
        via=("IRZAH", "IRTHR"),
        km=published_range(
            2570, 2603, "S1;S2;S3", note="the ITI train's Iranian section, leaving Iran at Razi"
        ),
        gauge_from=BROAD,
        gauge_to=STANDARD,
        corridors=[ITI],
        cargo=["container"],
    )
    b.leg(
        "TR-RAIL-KPY-IST",
        "TRKPY",
        "TRIST",
        "rail",
        km=published_range(
            1950, 2036, "S4", note="the ITI train's Turkish section, with the Lake Van ferry"
        ),
        usd_per_teu=computed(
            usd_km * 1993,
            "eur-to-usd-2021",
            "S4;FRED",
            note="TCDD 2021: EUR 0.18 per km per loaded 20 ft box over the midpoint 1,993 km; EUR 10 per wagon customs, EUR 20 per wagon Marmaray and the Lake Van ferry are not included",
        ),
        gauge_from=STANDARD,
        gauge_to=STANDARD,
        corridors=[ITI],
        cargo=["container"],
    )
    b.leg(
        "ITI-ISB-IST",
        "PKISB",
        "TRIST",
        "rail",
        via=("PKTFT", "IRZAH", "TRKPY"),
        km=published_range(6540, 6566, "S1;S2;S3", note="6,566 km (2009), about 6,540 km (2021)"),
        hours=published_range(
            240, 360, "S1;S2;S3", note="15 days in 2009, 11.5 days in 2021, 10 days planned"
        ),
        gauge_from=BROAD,
        gauge_to=STANDARD,
        corridors=[ITI],
        cargo=["container"],
        service="Islamabad–Tehran–Istanbul (ITI) container train, at most 20 forty-foot boxes",
    )
    b.leg(
        "TIR-KHI-IST",
        "PKKHI",
        "TRIST",
        "road",
        via=("PKUET", "PKTFT", "IRZAH", "IRTHR"),
        km=published(5300, "S12"),
        hours=published(240, "S12", note="NLC pilot, 27/28 September – 7 October 2021"),
        corridors=[TIR],
        cargo=ROAD_CARGO,
        service="NLC TIR road service Karachi–Istanbul (2021 pilot)",
    )
    b.leg(
        "GE-AZ-RAIL-PTI-BAK",
        "GEPTI",
        "AZBAK",
        "rail",
        via=("GETBS",),
        hours=published(34, "S27", note="block train, 2014; by road 3–4 days"),
        gauge_from=RUSSIAN,
        gauge_to=RUSSIAN,
        corridors=[MIDDLE],
        service="Poti–Baku container block train",
    )


def caspian_and_caucasus(b: Builder) -> None:
    b.leg(
        "AZ-KZ-FERRY-ALA-AAU",
        "AZALA",
        "KZAAU",
        "ferry",
        hours=published(
            22, "S22;S23", note="under 20 h in good weather; waits can double the time"
        ),
        corridors=[MIDDLE],
    )
    b.leg(
        "AZ-KZ-FERRY-ALA-KUR",
        "AZALA",
        "KZKUR",
        "ferry",
        hours=published(18, "S22"),
        corridors=[MIDDLE],
    )
    b.leg(
        "AZ-TM-FERRY-ALA-KRW",
        "AZALA",
        "TMKRW",
        "ferry",
        km=published(306, "S21;S44", note="great-circle, as published"),
        hours=published_range(12, 14, "S21;S44"),
        dwell_hours=published_range(
            48, 72, "S21;S44", note="no timetable; waits of 2–3 days, up to 6 in bad weather"
        ),
        corridors=[MIDDLE],
        note="27 railcars per ferry",
    )
    b.leg(
        "AZ-ROAD-BAK-ALA",
        "AZBAK",
        "AZALA",
        "road",
        km=published_range(65, 80, "S42;S45"),
        cargo=ROAD_CARGO,
    )
    b.leg(
        "AZ-GE-RAIL-BAK-ZAI",
        "AZBAK",
        "GEZAI",
        "rail",
        km=computed(
            838.6 - 105,
            "difference",
            "S25;S24",
            note="the BTK line's 838.6 km less Akhalkalaki–Kars 105 km; 503 km in Azerbaijan",
        ),
        gauge_from=RUSSIAN,
        gauge_to=RUSSIAN,
        corridors=[MIDDLE],
        service="Baku–Tbilisi–Kars railway",
    )
    b.leg(
        "GE-TR-RAIL-ZAI-KSY",
        "GEZAI",
        "TRKSY",
        "rail",
        km=published(105, "S24"),
        gauge_from=STANDARD,
        gauge_to=STANDARD,
        corridors=[MIDDLE],
        note="Freight is transshipped or has its bogies changed at Akhalkalaki",
    )
    b.leg(
        "GE-RAIL-PTI-TBS",
        "GEPTI",
        "GETBS",
        "rail",
        gauge_from=RUSSIAN,
        gauge_to=RUSSIAN,
        corridors=[MIDDLE],
    )
    b.leg(
        "GE-RAIL-BUS-TBS",
        "GEBUS",
        "GETBS",
        "rail",
        gauge_from=RUSSIAN,
        gauge_to=RUSSIAN,
        corridors=[MIDDLE],
    )
    b.leg(
        "GE-AZ-RAIL-TBS-BAK",
        "GETBS",
        "AZBAK",
        "rail",
        gauge_from=RUSSIAN,
        gauge_to=RUSSIAN,
        corridors=[MIDDLE],
    )


def sea(b: Builder) -> None:
    b.sea("SEA-KHI-BND", "PKKHI", "IRBND")
    b.sea("SEA-BQM-BND", "PKBQM", "IRBND")
    b.sea("SEA-GWD-BND", "PKGWD", "IRBND")
    b.sea("SEA-KHI-ZBR", "PKKHI", "IRZBR")
    b.sea("SEA-GWD-ZBR", "PKGWD", "IRZBR")
    suez = "through the Suez Canal (transit 12–16 h, S38, not included)"
    b.sea("SEA-KHI-PTI", "PKKHI", "GEPTI", note=f"{suez} and the Bosphorus")
    b.sea("SEA-KHI-BUS", "PKKHI", "GEBUS", note=f"{suez} and the Bosphorus")
    b.sea("SEA-KHI-MER", "PKKHI", "TRMER", note=suez)
    b.sea("SEA-KHI-IST", "PKKHI", "TRIST", note=suez)


EMISSION_FACTORS = [
    {"mode": "road", "grams_per_tonne_km": 84.73, "scope": "tank-to-wheel", "sources": ["E2"],
     "description": "Articulated HGV over 33 t, UK average load (DEFRA/DECC 2012, Table 7e)",
     "note": "Well-to-wheel 102.73 g (E2). A UK fleet average."},
    {"mode": "rail", "grams_per_tonne_km": 31.59, "scope": "tank-to-wheel", "sources": ["E1"],
     "description": "Rail freight, UK diesel and electric mix (DEFRA direct factor)",
     "note": "Upstream 6.91 g more (UK government 2025, E4). A UK average."},
    {"mode": "sea", "grams_per_tonne_km": 29.70, "scope": "tank-to-wheel", "sources": ["E1"],
     "description": "Short-sea container ship under 3,000 TEU (DEFRA direct factor)",
     "note": "Assumes the regional services from Pakistan use ships under 3,000 TEU; deep-sea ships of 3,000 TEU or more: 15.36 g (E1)."},
    {"mode": "ferry", "grams_per_tonne_km": 106.4, "scope": "tank-to-wheel", "sources": ["E5"],
     "description": "GLEC Framework v3.0 RoPax 10,000–19,999 GT, marine diesel oil",
     "note": "A proxy: the gross tonnage of the Caspian ferries was not found. Well-to-wheel 124.8 g (E5)."},
]  # fmt: skip


def all_legs(b: Builder) -> None:
    for part in (pakistan, afghanistan, iran, through_services, caspian_and_caucasus, sea):
        part(b)


__all__ = ["EMISSION_FACTORS", "SPEEDS", "all_legs"]
