"""API schemas of items, generated from ``fields.ALL_FIELDS`` so that they cannot drift from it.

Input types are deliberately loose (a string, a number, a list): the service layer parses and
checks every value, so a bad value gets the same message from the API, a form or an import.
The schemas still document each field with its help text, shape and example.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from ninja import Field, Schema
from pydantic import (
    BaseModel,
    ConfigDict,
    PlainValidator,
    WithJsonSchema,
    create_model,
    field_validator,
)
from pydantic_core import PydanticCustomError

from bureau.catalog.fields import ALL_FIELDS, NESTED_FIELDS, FieldSpec
from bureau.catalog.models import Kind, Status
from bureau.catalog.selectors import SORTS
from bureau.core import parsing


def field_shape(spec: FieldSpec) -> str:
    """The JSON shape of a field, read from what its own parser makes of nothing (and of a date)."""
    if spec.name in NESTED_FIELDS:
        return "records"
    empty = spec.parse(None)
    if isinstance(empty, list):
        return "list"
    if isinstance(empty, bool):
        return "boolean"
    if empty is not None:
        return "text"
    try:
        probe = spec.parse("2024-01-31")
    except ValueError:
        return "number"
    return "datetime" if isinstance(probe, dt.datetime) else "date"


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


# shape -> (accepts the raw JSON value?, what it must be, JSON schema of the accepted forms)
_INPUT_SHAPES: dict[str, tuple[Callable[[Any], bool], str, list[dict[str, Any]]]] = {
    "text": (lambda v: isinstance(v, str), "a string", [{"type": "string"}]),
    "number": (_is_scalar, "a number", [{"type": "number"}, {"type": "string"}]),
    "boolean": (
        lambda v: isinstance(v, bool | str),
        "true or false",
        [{"type": "boolean"}, {"type": "string"}],
    ),
    "list": (
        lambda v: isinstance(v, str) or (isinstance(v, list) and all(map(_is_scalar, v))),
        "a list of strings or a string separated by ';'",
        [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
    ),
    "records": (
        lambda v: isinstance(v, list) and all(isinstance(r, dict) for r in v),
        "a list of objects",
        [{"type": "array", "items": {"type": "object"}}],
    ),
    "date": (lambda v: isinstance(v, str), "a date string", [{"type": "string", "format": "date"}]),
    "datetime": (
        lambda v: isinstance(v, str),
        "a date-time string",
        [{"type": "string", "format": "date-time"}],
    ),
}


def _loose_type(shape: str) -> Any:
    accepts, expected, forms = _INPUT_SHAPES[shape]

    def check(value: Any) -> Any:
        if value is None or accepts(value):
            return value  # the service parses it
        raise PydanticCustomError("wrong_type", "must be {expected}", {"expected": expected})

    schema = {"anyOf": [*forms, {"type": "null"}]}
    return Annotated[Any, PlainValidator(check), WithJsonSchema(schema)]


def _description(spec: FieldSpec) -> str:
    text = spec.help.rstrip(".") + "."
    if spec.kind:
        return f"{text} Kind '{spec.kind}' only{'; required for it' if spec.required else ''}."
    return f"{text} Required." if spec.required else text


def _example(spec: FieldSpec, shape: str) -> Any:
    if shape == "list":
        return spec.example.split(";")
    if shape == "number":
        return float(spec.example) if "." in spec.example else int(spec.example)
    if shape == "boolean":
        return spec.example.lower() in ("yes", "true")
    return spec.example


def _input_field(spec: FieldSpec) -> tuple[Any, Any]:
    shape = field_shape(spec)
    examples = [_example(spec, shape)] if spec.example else None
    return _loose_type(shape), Field(None, description=_description(spec), examples=examples)


# Plain pydantic models (not ninja's Schema): no ORM-attribute lookups are needed, and the
# item detail is the hottest read of the API.
if TYPE_CHECKING:  # type checkers cannot follow create_model's fields
    ItemIn = BaseModel
else:
    ItemIn = create_model(
        "ItemIn",
        __config__=ConfigDict(extra="forbid"),
        __doc__="An item as a flat record. On PATCH, only the fields sent are changed.",
        **{spec.name: _input_field(spec) for spec in ALL_FIELDS},
    )

_OUTPUT_TYPES: dict[str, Any] = {
    "text": str,
    "number": Decimal,
    "boolean": bool,
    "list": list[str],
    "records": list[dict[str, Any]],
    "date": dt.date,
    "datetime": dt.datetime,
}


class ItemMeta(BaseModel):
    id: int
    uid: str = Field(description="Permanent identifier, the same on every node")
    status: str = Field(description=", ".join(Status.values))
    origin_node: str = Field(description="The node (chamber) that owns the item")
    organisation_name: str
    organisation_verified: bool = Field(description="The organisation is verified by a chamber")
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None
    url: str = Field(description="Path of the item's web page")


if TYPE_CHECKING:
    ItemOut = ItemMeta
else:
    ItemOut = create_model(
        "ItemOut",
        __base__=ItemMeta,
        __doc__="An item: its flat record (fields of its kind only) and its moderation state.",
        **{
            spec.name: (
                _OUTPUT_TYPES[field_shape(spec)] | None,
                Field(None, description=_description(spec)),
            )
            for spec in ALL_FIELDS
        },
    )


class ItemPage(BaseModel):
    count: int = Field(description="How many items match, over all pages, counted up to 10,000")
    count_is_capped: bool = Field(
        False, description="True when more than 10,000 items match (count then says 10,000)"
    )
    items: list[ItemOut]
    facets: dict[str, list[tuple[str, int]]] | None = Field(
        None, description="With facets=true: top values and counts per facet"
    )


MAX_OFFSET = 1_000_000  # deeper pages are better reached with narrower filters


class ItemQuery(Schema):
    """The browse filters; the same names as on the web page's query string."""

    q: str = Field("", description="Words that must all appear (full-text search)")
    kind: list[str] = Field([], description=f"Repeatable: {', '.join(Kind.values)}")
    hs: str = Field("", description="HS 2022 chapter, heading or subheading (2, 4 or 6 digits)")
    section: str = Field("", description="HS section, a Roman numeral (I-XXI)")
    sector: str = Field("", description="Sector code, see /reference/sectors")
    country: str = Field("", description="ISO 3166 alpha-2 country")
    value_min: str = Field("", description="Least value in USD")
    value_max: str = Field("", description="Greatest value in USD")
    published_from: str = Field("", description="Published on or after (YYYY-MM-DD)")
    published_to: str = Field("", description="Published on or before (YYYY-MM-DD)")
    organisation: str = Field("", description="Slug of the organisation whose items to list")
    concerning: str = Field(
        "",
        description="Slug of an organisation: its items and those that name it (as a party, "
        "the buyer, or in their text)",
    )
    status: str = Field(
        "published",
        description="Other statuses: your organisation's items, or those you moderate",
    )
    sort: str = Field("", description=f"{', '.join(SORTS)}; default relevance when searching")
    limit: int = Field(20, ge=1, le=100, description="Items per page")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip")
    facets: bool = Field(False, description="Also count the matching items per facet value")


class TransitionIn(Schema):
    note: str = Field("", description="Why, at most 300 characters (kept in the audit trail)")

    @field_validator("note")
    @classmethod
    def _plain_text(cls, value: str) -> str:
        return parsing.text(value, max_length=300)


class TransitionOut(Schema):
    from_status: str
    to_status: str
    at: dt.datetime
    note: str
    actor: str | None = Field(description="Who; shown only to the item's organisation")
