"""The demo's organisations, items and accounts: plain data, every record with its source.

Facts come from two places only, and every record names the one it uses in ``source_title``:

* a press report dated Baku, 25 February, on the visit of Pakistan's Prime Minister Shehbaz
  Sharif to Baku in February 2025 (no URL, so ``source_url`` stays empty);
* calendar-year trade figures reported in the press, with the article's URL.

The wording is ours. Anything the sources do not give (dates, volumes, prices, the names of
the Pakistani parties) is left empty rather than guessed. The two example companies and
their trade leads are made up to show how the bureau is used; they are flagged
(``is_example``, "Example" in the name or title) so nobody takes them for real offers.

Every organisation and item has a fixed ``uid`` so that loading again finds what is there.
No password lives here: the loader generates them.

The demo runs two nodes, one per chamber, and each holds what its chamber entered: the
Azerbaijan chamber's node in Islamabad (``az-islamabad``) its own records, SOCAR's and the
Azerbaijani importer's; the Pakistan chamber's node in Baku (``pk-baku``) the rest. Each node
receives the other's items through the exchange, so neither owns (and refuses) the other's.
``chamber_of`` says which chamber a record belongs to.

One organisation is marked verified: SOCAR, by the Azerbaijan chamber's staff, on a fact the
record cites (``VERIFICATIONS``). The Pakistan chamber and the information bureau were only
proposals at the time of the report, so nobody could have checked them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

VISIT_REPORT = "Press report on the Prime Minister of Pakistan's visit to Baku, 25 February 2025"
EXAMPLE_SOURCE = "Fictional example made for the demo; not a real organisation"

RICE_SOURCE = (
    "Example for the demo; the product is taken from Pakistan Today, 2 March 2023 "
    "(Pakistan's ambassador to Azerbaijan: rice is Pakistan's main export to Azerbaijan)"
)
RICE_URL = (
    "https://www.pakistantoday.com.pk/2023/03/02/"
    "pakistan-envoy-discusses-agreement-with-azerbaijan-to-enhance-bilateral-trade/"
)
TRADE_2022_URL = "https://en.trend.az/business/3737039.html"
TRADE_2023_URL = "https://www.azernews.az/business/231331.html"

TENDER_2020_URL = "https://www.thenews.com.pk/print/703086-posco-socar-win-sept-lng-supply-tenders"

# The demo's two nodes and the chamber that runs each.
ISLAMABAD = "az-islamabad"
BAKU = "pk-baku"

AZ_CHAMBER = "az-chamber-islamabad"
PK_CHAMBER = "pk-chamber-baku"
BUREAU = "information-bureau"
SOCAR = "socar"
EXAMPLE_EXPORTER = "example-rice-exporters"
EXAMPLE_IMPORTER = "example-baku-food-importers"

# Keys as in organisation_create's data, plus uid, slug and the slug of the member's chamber.
ORGANISATIONS: list[dict[str, Any]] = [
    {
        "uid": "8e52c9c8-3749-4f22-bcf6-27bdf943bcc8",
        "slug": AZ_CHAMBER,
        "name": "Azerbaijan Chamber of Commerce in Islamabad",
        "kind": "chamber",
        "country": "AZ",
        "city": "Islamabad",
        "description": (
            "Chamber that Azerbaijan has opened in Pakistan's capital to make trade "
            "between the two countries easier."
        ),
        "sectors": ["trade"],
        "source_title": VISIT_REPORT,
    },
    {
        "uid": "191a4f58-91e4-4cba-95b2-c1030d2dc38c",
        "slug": PK_CHAMBER,
        "name": "Pakistan Chamber of Commerce in Baku",
        "kind": "chamber",
        "country": "PK",
        "city": "Baku",
        "description": (
            "Counterpart in Baku of the Azerbaijan Chamber of Commerce in Islamabad, proposed "
            "by Pakistan's Prime Minister Shehbaz Sharif so that the two chambers can gather "
            "and share trade and investment information in real time and pass it on to "
            "traders and investors. A proposal at the time of the report."
        ),
        "sectors": ["trade"],
        "source_title": VISIT_REPORT,
    },
    {
        "uid": "a8315667-ced6-4f6c-bbd9-3faed457a00c",
        "slug": BUREAU,
        "name": "Information Bureau (Azerbaijan-Pakistan)",
        "kind": "bureau",
        "country": "PK",
        "description": (
            "Permanent information bureau that Prime Minister Shehbaz Sharif said Pakistan "
            "plans to set up, from its side, to make trade and investment work between the "
            "two countries run more smoothly. A plan at the time of the report."
        ),
        "sectors": ["trade"],
        "source_title": VISIT_REPORT,
        "entered_by": PK_CHAMBER,
    },
    {
        "uid": "f64db554-e605-465e-9f35-7df9591b391c",
        "slug": SOCAR,
        "name": "SOCAR — State Oil Company of the Azerbaijan Republic",
        "kind": "company",
        "country": "AZ",
        "description": (
            "Azerbaijan's state oil company and a long-term partner of Pakistan. During the "
            "Pakistani Prime Minister's visit to Baku in February 2025 it signed agreements "
            "with Pakistani counterparts on petroleum products and liquefied natural gas."
        ),
        "sectors": ["energy"],
        "hs_codes": ["2711", "2710"],
        "source_title": VISIT_REPORT,
        "entered_by": AZ_CHAMBER,
    },
    {
        "uid": "6da09134-1aac-4f49-b988-70e8a24437a7",
        "slug": EXAMPLE_EXPORTER,
        "name": "Example Rice Exporters",
        "kind": "company",
        "country": "PK",
        "description": "Fictional Pakistani exporter that shows how a member company uses the bureau.",
        "sectors": ["agriculture"],
        "hs_codes": ["1006"],
        "source_title": EXAMPLE_SOURCE,
        "chamber": PK_CHAMBER,
    },
    {
        "uid": "6cff4daf-e0fc-41ee-b2ff-ddea0f979655",
        "slug": EXAMPLE_IMPORTER,
        "name": "Example Baku Food Importers",
        "kind": "company",
        "country": "AZ",
        "description": "Fictional Azerbaijani importer that shows how a buyer uses the bureau.",
        "sectors": ["agriculture"],
        "hs_codes": ["1006"],
        "source_title": EXAMPLE_SOURCE,
        "chamber": AZ_CHAMBER,
    },
]

_BOTH = ["AZ", "PK"]
_SOCAR_AND_PAKISTAN = [
    "SOCAR (State Oil Company of the Azerbaijan Republic)",
    "Pakistani counterparts (not named in the source)",
]
_VISIT_AGREEMENT = {
    "kind": "agreement",
    "organisation": AZ_CHAMBER,
    "countries": _BOTH,
    "source_title": VISIT_REPORT,
}
# What Pakistan's side said during the visit is filed by the Pakistan chamber.
_PAKISTAN_SAID = {**_VISIT_AGREEMENT, "organisation": PK_CHAMBER}
_ENERGY_AGREEMENT = {**_VISIT_AGREEMENT, "sectors": ["energy"], "parties": _SOCAR_AND_PAKISTAN}

# Records in the documented item field set (bureau.catalog.fields), plus a fixed uid.
ITEMS: list[dict[str, Any]] = [
    {
        **_ENERGY_AGREEMENT,
        "uid": "473cb534-fea2-4a0e-9048-6f14991627ac",
        "title": "LNG framework agreement between SOCAR and Pakistan extended by two years",
        "summary": (
            "During the Pakistani Prime Minister's visit to Baku, SOCAR and its Pakistani "
            "counterparts extended their framework agreement on liquefied natural gas (LNG) "
            "for a further two years."
        ),
        "body": (
            "SOCAR, Azerbaijan's state oil company, has long worked with Pakistan, which has "
            "bought Azerbaijani oil and gas for years. The extension was one of the main "
            "results of Prime Minister Shehbaz Sharif's visit to Baku in February 2025, "
            "together with new supply contracts and a trading company for LNG. The report "
            "gives neither the date of the extension nor the new expiry date, so both are "
            "left open."
        ),
        "hs_codes": ["271111"],
        "agreement_type": "framework",
        "extensions": [
            {
                "note": (
                    "Extended for two more years during the visit to Baku in February 2025; "
                    "exact date and new expiry not reported"
                )
            }
        ],
    },
    {
        **_ENERGY_AGREEMENT,
        "uid": "0a7a5e16-9c8a-4a17-be42-67ad173d5c62",
        "title": "SOCAR contracts to supply petroleum products to Pakistan",
        "summary": (
            "SOCAR signed contracts with Pakistani counterparts for the supply of petroleum "
            "products while Pakistan's Prime Minister was visiting Baku."
        ),
        "body": (
            "The contracts were among several agreements SOCAR concluded with Pakistani "
            "partners during the visit in February 2025. Volumes, prices, dates and the "
            "names of the Pakistani parties were not reported."
        ),
        "hs_codes": ["2710"],
        "agreement_type": "contract",
    },
    {
        **_ENERGY_AGREEMENT,
        "uid": "7275a7e6-4706-434d-be65-468a79bb3248",
        "title": "SOCAR contracts for the sale and purchase of LNG cargoes with Pakistan",
        "summary": (
            "SOCAR and Pakistani counterparts signed contracts covering the sale and purchase "
            "of cargoes of liquefied natural gas (LNG)."
        ),
        "body": (
            "Signed during the Prime Minister of Pakistan's visit to Baku in February 2025. "
            "The number of cargoes, prices and delivery dates were not reported."
        ),
        "hs_codes": ["271111"],
        "agreement_type": "contract",
    },
    {
        **_ENERGY_AGREEMENT,
        "uid": "40d69b07-4c2c-458d-9971-45c58d0b0a1f",
        "title": "Trading company to be set up for LNG deals between Azerbaijan and Pakistan",
        "summary": (
            "SOCAR and its Pakistani counterparts agreed to establish a trading company that "
            "will make LNG transactions between the two countries easier."
        ),
        "body": (
            "Agreed during the Prime Minister of Pakistan's visit to Baku in February 2025. "
            "The report counts the energy agreements of the visit as a major step in "
            "Azerbaijan's role as an energy supplier to South Asia. The company's name, "
            "owners and start date were not reported."
        ),
        "hs_codes": ["271111"],
        "agreement_type": "company",
    },
    {
        **_PAKISTAN_SAID,
        "uid": "1356dde2-63dc-4267-ad73-3a48f72042c0",
        "title": "Azerbaijan and Pakistan commit to joint defence production",
        "summary": (
            "After talks between President Ilham Aliyev and Prime Minister Shehbaz Sharif, "
            "the two countries agreed to widen their defence cooperation, including making "
            "defence equipment together."
        ),
        "body": (
            "President Aliyev pointed to Pakistan's developed defence industry and "
            "Azerbaijan's growing capabilities. He noted that Azerbaijan already sells "
            "defence industry products to more than 30 countries and expects joint "
            "manufacturing to widen the reach of those exports. Prime Minister Sharif called "
            "for taking defence cooperation to a higher level and described joint production "
            "capacity as a firm commitment of both sides."
        ),
        "sectors": ["defence"],
        "hs_codes": ["93"],
        "agreement_type": "commitment",
        "parties": ["Azerbaijan", "Pakistan"],
    },
    {
        **_PAKISTAN_SAID,
        "uid": "54f58da2-3a1a-4103-b4d0-b3dcf95ee95a",
        "title": "Bilateral trade target: US$2 billion, up from just over US$20 million",
        "summary": (
            "Azerbaijan and Pakistan aim to raise trade between them to US$2 billion, from a "
            "level the report puts at just over US$20 million."
        ),
        "body": (
            "The report calls the goal ambitious and admits that it will be hard to reach, "
            "but reads the agreements of the February 2025 visit as a sign that both "
            "countries mean to get there. No year was set for reaching the target."
        ),
        "sectors": ["trade"],
        "value_amount": "2000000000",
        "value_currency": "USD",
        "agreement_type": "target",
        "parties": ["Azerbaijan", "Pakistan"],
    },
    {
        "kind": "opportunity",
        "uid": "b23a9d8e-81ad-4c0d-bb10-a9705911fd64",
        "organisation": AZ_CHAMBER,
        "title": "Azerbaijan plans to invest US$2 billion in Pakistan, mainly in energy and infrastructure",
        "summary": (
            "Azerbaijan has announced that it plans to invest US$2 billion in Pakistan's "
            "economy, with energy and infrastructure as the main sectors."
        ),
        "body": (
            "The plan was reported together with the Prime Minister of Pakistan's visit to "
            "Baku in February 2025. No projects, investors, financing instruments or "
            "timetable were named."
        ),
        "countries": _BOTH,
        "sectors": ["energy", "infrastructure"],
        "value_amount": "2000000000",
        "value_currency": "USD",
        "source_title": VISIT_REPORT,
        "sector": "energy",
        "location": "Pakistan",
        "stage": "idea",
        "instrument": "other",
    },
    {
        "kind": "notice",
        "uid": "0b88f84d-3ecc-4729-ab62-a0a6a1057265",
        "organisation": AZ_CHAMBER,
        "title": "Azerbaijan's transport officials told to build links with Pakistan's ports, railways and carriers",
        "summary": (
            "President Ilham Aliyev said his team responsible for transport has been "
            "instructed to work out contacts between the two countries' ports, railway "
            "officials and transport companies, as part of wider regional cooperation."
        ),
        "body": (
            "Azerbaijan has greatly expanded its transit capacity on the North-South and "
            "East-West corridors. Pakistan is expected to fit its connectivity plans to "
            "this existing transit infrastructure, and direct transport links between the "
            "two countries are seen as a source of new business. With Azerbaijan as a "
            "transit hub, Pakistani trade can reach Central Asia, the Caucasus and Europe."
        ),
        "countries": _BOTH,
        "sectors": ["transport"],
        "source_title": VISIT_REPORT,
        "notice_type": "announcement",
        "authority": "President of Azerbaijan",
    },
    {
        "kind": "notice",
        "uid": "b81f00ce-57f3-453d-8f37-0be5ea101ffa",
        "organisation": AZ_CHAMBER,
        "title": "Azerbaijan-Pakistan trade: US$28.1 million in 2022, about US$27 million in 2023",
        "summary": (
            "Trade between the two countries came to US$28.1 million in 2022, by Azerbaijan's "
            "customs figures as reported by Trend, and to about US$27 million in 2023, by a "
            "statement of Azerbaijan's Deputy Minister of Economy."
        ),
        "body": (
            "2022: turnover US$28.1 million, of which Azerbaijan's exports to Pakistan "
            "US$7.6 million and its imports from Pakistan US$20.5 million, about 140% more "
            "than the US$11.7 million of 2021. Figures of Azerbaijan's State Customs "
            f"Committee, reported by Trend on 18 April 2023 ({TRADE_2022_URL}).\n\n"
            "2023: turnover of about US$27 million, most of it imports from Pakistan, as "
            "stated by Azerbaijan's Deputy Minister of Economy and reported by AzerNews on "
            f"16 September 2024 ({TRADE_2023_URL})."
        ),
        "countries": _BOTH,
        "sectors": ["trade"],
        "source_title": "Trend, 18 April 2023 (2022 customs figures); AzerNews, 16 September 2024 (2023 figure)",
        "source_url": TRADE_2022_URL,
        "notice_type": "statistics",
        "authority": "State Customs Committee of Azerbaijan (2022); Ministry of Economy of Azerbaijan (2023)",
    },
    {
        "kind": "tender",
        "uid": "c6a1d2f4-3b8e-4f7a-9d52-1e0b7c9a4f36",
        "organisation": PK_CHAMBER,
        "title": "Pakistan LNG Limited's spot tender for LNG cargoes, August-September 2020: SOCAR Trading among the winners",
        "summary": (
            "Pakistan LNG Limited invited bids for three spot cargoes of liquefied natural gas "
            "for August and September 2020; SOCAR Trading won the cargo for 25-26 September."
        ),
        "body": (
            "Pakistan LNG Limited (PLL), the state company that buys LNG for Pakistan, sought "
            "three cargoes of 140,000 cubic metres each, delivered in August and September "
            "2020, after six months without spot purchases. SOCAR Trading offered 6.9511% of "
            "the three-month average Brent price for delivery on 25-26 September, and POSCO "
            "International won the cargo for 12-13 September. SOCAR also supplied a spot "
            "cargo for 27-28 August at 5.74% of Brent. The tender is closed: it is listed as a "
            "record of how Pakistan buys LNG and of Azerbaijan's part in it. The deadline for "
            "bids was not reported."
        ),
        "countries": _BOTH,
        "sectors": ["energy"],
        "hs_codes": ["271111"],
        "source_title": "The News (Karachi): POSCO, SOCAR win Sept LNG supply tenders",
        "source_url": TENDER_2020_URL,
        "buyer": "Pakistan LNG Limited (PLL)",
    },
    {
        "kind": "lead",
        "uid": "e13d80b8-9a41-4eed-a46c-20dec950071d",
        "organisation": EXAMPLE_EXPORTER,
        "is_example": True,
        "title": "Example: Offer to sell rice from Pakistan to Azerbaijan",
        "summary": (
            "Not a real offer: it shows how a Pakistani exporter lists rice for buyers in "
            "Azerbaijan."
        ),
        "body": (
            "Rice is Pakistan's main export to Azerbaijan, according to Pakistan's "
            "ambassador to Azerbaijan, quoted by Pakistan Today on 2 March 2023. Quantity, "
            "price and delivery terms are left open because this offer is an example."
        ),
        "countries": _BOTH,
        "sectors": ["agriculture"],
        "source_title": RICE_SOURCE,
        "source_url": RICE_URL,
        "side": "sell",
        "product": "Rice",
        "hs_code": "1006",
        "origin_country": "PK",
        "destination_country": "AZ",
    },
    {
        "kind": "lead",
        "uid": "9240052b-dd76-4ff2-a041-59dbb847513a",
        "organisation": EXAMPLE_IMPORTER,
        "is_example": True,
        "title": "Example: Request to buy rice from Pakistan for delivery to Baku",
        "summary": (
            "Not a real request: it shows how an importer in Azerbaijan asks for rice from "
            "Pakistan."
        ),
        "body": (
            "Rice is Pakistan's main export to Azerbaijan, according to Pakistan's "
            "ambassador to Azerbaijan, quoted by Pakistan Today on 2 March 2023. Quantity, "
            "price and delivery terms are left open because this request is an example."
        ),
        "countries": _BOTH,
        "sectors": ["agriculture"],
        "source_title": RICE_SOURCE,
        "source_url": RICE_URL,
        "side": "buy",
        "product": "Rice",
        "hs_code": "1006",
        "origin_country": "PK",
        "destination_country": "AZ",
        "destination_place": "Baku",
    },
]


class DemoAccount(NamedTuple):
    role: str
    email: str
    organisation: str | None  # slug; None: the node admin, on every node


ACCOUNTS: list[DemoAccount] = [
    DemoAccount("admin", "admin@bureau.demo", None),
    DemoAccount("staff", "staff@az-chamber.demo", AZ_CHAMBER),
    DemoAccount("staff", "staff@pk-chamber.demo", PK_CHAMBER),
    DemoAccount("member", "trader@example.demo", EXAMPLE_EXPORTER),
    DemoAccount("member", "buyer@example.demo", EXAMPLE_IMPORTER),
]


class Verification(NamedTuple):
    organisation: str  # slug
    by: str  # the email of the chamber staff who checked it
    checked: str  # what was checked, and against which source


VERIFICATIONS: list[Verification] = [
    Verification(
        SOCAR,
        "staff@az-chamber.demo",
        "Identity checked against the press report on the Prime Minister of Pakistan's visit to "
        "Baku (25 February 2025), which names SOCAR as Azerbaijan's state oil company and a "
        "party to the agreements signed during the visit.",
    ),
]

# --- Which chamber's node holds a record -------------------------------------------------

NODE_CHAMBERS = {ISLAMABAD: AZ_CHAMBER, BAKU: PK_CHAMBER}
_ORGANISATIONS = {record["slug"]: record for record in ORGANISATIONS}


def chamber_of(slug: str) -> str:
    """The chamber that entered an organisation: itself, the chamber it is a member of, or
    the one that entered it in the directory."""
    record = _ORGANISATIONS[slug]
    if record["kind"] == "chamber":
        return slug
    return str(record.get("chamber") or record["entered_by"])


def _held_by(node: str, slug: str | None) -> bool:
    """Every record on a node that is not one of the demo's (a node standing alone)."""
    chamber = NODE_CHAMBERS.get(node)
    return chamber is None or slug is None or chamber_of(slug) == chamber


def organisations_for(node: str) -> list[dict[str, Any]]:
    return [record for record in ORGANISATIONS if _held_by(node, record["slug"])]


def items_for(node: str) -> list[dict[str, Any]]:
    return [record for record in ITEMS if _held_by(node, record["organisation"])]


def accounts_for(node: str) -> list[DemoAccount]:
    return [account for account in ACCOUNTS if _held_by(node, account.organisation)]


def verifications_for(node: str) -> list[Verification]:
    return [v for v in VERIFICATIONS if _held_by(node, v.organisation)]
