"""API schemas of the directory of organisations.

Lengths are bounded here to match the columns; kinds, countries, sectors and HS codes are
checked by the service, so their messages are the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import ConfigDict, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from bureau.accounts.models import Organisation
from bureau.reference.vocab import Sector

KINDS = ", ".join(Organisation.Kind.values)


def _string_or_list(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise PydanticCustomError(
        "wrong_type", "must be a list of strings or a string separated by ';'"
    )


StringList = Annotated[
    Any,
    PlainValidator(_string_or_list),
    WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}),
]


class OrganisationPatch(Schema):
    """Fields of an organisation; on PATCH only those sent are changed."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200, description="Name. Required on creation.")
    kind: str | None = Field(None, description=f"{KINDS}. Required on creation.")
    country: str | None = Field(None, description="ISO 3166 alpha-2 code. Required on creation.")
    city: str | None = Field(None, max_length=120)
    description: str | None = None
    website: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    sectors: StringList = Field(None, description=f"Sectors ({', '.join(Sector.values)})")
    hs_codes: StringList = Field(None, description="HS 2022 codes of interest")
    source_title: str | None = Field(None, max_length=300, description="Where the entry comes from")
    source_url: str | None = Field(None, max_length=500)


class OrganisationIn(OrganisationPatch):
    chamber: str | None = Field(
        None,
        max_length=220,
        description="Slug of the chamber it is a member of; default: the chamber you work for",
    )


class OrganisationOut(Schema):
    slug: str
    name: str
    kind: str = Field(description=KINDS)
    country: str
    city: str
    description: str
    website: str
    email: str
    phone: str
    sectors: list[str]
    hs_codes: list[str]
    chamber: str | None = Field(description="Slug of the chamber it is a member of")
    verified: bool = Field(description="Verified by chamber staff")
    verified_at: dt.datetime | None
    origin_node: str = Field(description="Empty when entered on this node")
    created_at: dt.datetime
    updated_at: dt.datetime


class OrganisationPage(Schema):
    count: int
    items: list[OrganisationOut]


class OrganisationQuery(Schema):
    q: str = Field("", max_length=200, description="Words in the name")
    kind: str = Field("", description=KINDS)
    country: str = Field("", description="ISO 3166 alpha-2 code")
    verified: bool | None = Field(None, description="Only verified (true) or unverified (false)")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class VerificationIn(Schema):
    checked: str = Field(
        "",
        description="What was checked (to verify) or why the mark is withdrawn; at most 500 characters",
    )
