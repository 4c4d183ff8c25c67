"""Reference look-ups over the API: HS 2022 codes, countries, currencies and vocabularies.

All public and read-only; served from the packages' data in memory, without the database.
"""

from __future__ import annotations

from typing import Annotated

from django.db import models
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from bureau.core.errors import NotFound
from bureau.core.schemas import Checked
from bureau.reference import countries, hs
from bureau.reference.vocab import Incoterm, Sector, Unit

router = Router(tags=["reference"])


class HsCodeOut(Schema):
    code: str = Field(description="HS 2022 code: 2 digits (chapter), 4 (heading) or 6 (subheading)")
    description: str
    level: int = Field(description="Number of digits: 2, 4 or 6")
    parent: str = Field(description="Code of the chapter or heading above; empty for a chapter")
    section: str = Field(description="Roman numeral of the HS section; empty for chapter 99")


class HsCodeDetailOut(HsCodeOut):
    ancestry: list[HsCodeOut] = Field(description="The chapter and heading above the code")
    section_name: str = Field(description="Name of the HS section")


class HsSearch(Schema):
    q: Annotated[str, Checked(200)] = Field(
        "", description="Code prefix ('2711') or words ('natural gas')"
    )
    limit: int = Field(20, ge=1, le=100, description="At most this many codes")


class CodeName(Schema):
    code: str
    name: str


def _code_out(code: hs.Code) -> HsCodeOut:
    return HsCodeOut(
        code=code.code,
        description=code.description,
        level=code.level,
        parent=code.parent,
        section=code.section,
    )


@router.get("/hs", response=list[HsCodeOut], auth=None, summary="Search HS 2022 codes")
def hs_search(request: HttpRequest, params: Query[HsSearch]) -> list[HsCodeOut]:
    """Codes starting with the digits given, or whose description contains every word."""
    return [_code_out(code) for code in hs.search(params.q, limit=params.limit)]


@router.get("/hs/{code}", response=HsCodeDetailOut, auth=None, summary="One HS 2022 code")
def hs_detail(request: HttpRequest, code: str) -> HsCodeDetailOut:
    """The code with its chapter and heading and its section."""
    found = hs.lookup(code)
    if found is None:
        raise NotFound(hs.validation_error(code) or f"no HS code '{code}'")
    above = [hs.lookup(part) for part in hs.ancestors(found.code)[:-1]]
    return HsCodeDetailOut(
        **_code_out(found).model_dump(),
        ancestry=[_code_out(part) for part in above if part is not None],
        section_name=hs.sections().get(found.section, ""),
    )


def _vocabulary(choices: type[models.TextChoices]) -> list[CodeName]:
    return [CodeName(code=str(value), name=str(label)) for value, label in choices.choices]


@router.get("/countries", response=list[CodeName], auth=None, summary="ISO 3166 countries")
def country_list(request: HttpRequest) -> list[CodeName]:
    """Alpha-2 codes with their common names, sorted by name."""
    return [CodeName(code=code, name=name) for code, name in countries.countries().items()]


@router.get("/currencies", response=list[CodeName], auth=None, summary="ISO 4217 currencies")
def currency_list(request: HttpRequest) -> list[CodeName]:
    return [CodeName(code=code, name=name) for code, name in sorted(countries.currencies().items())]


@router.get("/incoterms", response=list[CodeName], auth=None, summary="Incoterms 2020 rules")
def incoterm_list(request: HttpRequest) -> list[CodeName]:
    return _vocabulary(Incoterm)


@router.get("/sectors", response=list[CodeName], auth=None, summary="Sectors")
def sector_list(request: HttpRequest) -> list[CodeName]:
    return _vocabulary(Sector)


@router.get("/units", response=list[CodeName], auth=None, summary="Units of quantity")
def unit_list(request: HttpRequest) -> list[CodeName]:
    """UN/ECE Recommendation 20 codes used in the ``unit`` field of trade leads."""
    return _vocabulary(Unit)
