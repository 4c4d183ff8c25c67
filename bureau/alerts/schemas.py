"""API schemas of subscriptions, their delivery log and webhook endpoints.

As for items, input types are loose (a list or a string separated by ';', a number or a
string): the alerts services parse and check every value, so a bad one gets the same message
from the API and from the web form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from ninja import Field, Schema
from pydantic import ConfigDict, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from bureau.alerts.models import Channel
from bureau.catalog.models import Kind
from bureau.core.schemas import Checked
from bureau.delivery.models import Delivery
from bureau.reference.vocab import Sector


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _loose(accepts: Callable[[Any], bool], expected: str, forms: list[dict[str, Any]]) -> Any:
    def check(value: Any) -> Any:
        if value is None or accepts(value):
            return value  # the service parses it
        raise PydanticCustomError("wrong_type", "must be {expected}", {"expected": expected})

    return Annotated[
        Any, PlainValidator(check), WithJsonSchema({"anyOf": [*forms, {"type": "null"}]})
    ]


if TYPE_CHECKING:  # type checkers cannot follow a type built by a function
    LooseList = Any
    LooseNumber = Any
else:
    LooseList = _loose(
        lambda v: isinstance(v, str) or (isinstance(v, list) and all(map(_is_scalar, v))),
        "a list of strings or a string separated by ';'",
        [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
    )
    LooseNumber = _loose(_is_scalar, "a number", [{"type": "number"}, {"type": "string"}])


def _list(description: str, example: list[str]) -> Any:
    return Field(None, description=description, examples=[example])


class ChannelIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, Checked(100)] = Field(
        description=", ".join(Channel.Kind.values), examples=["webhook"]
    )
    endpoint: int | None = Field(None, description="Webhook only: the id of your endpoint")
    email_mode: Annotated[str | None, Checked(100)] = Field(
        None, description="Email only: instant (default) or digest"
    )
    digest_hour: int | None = Field(None, description="Email digest only: the UTC hour, 0-23")


class SubscriptionIn(Schema):
    """A saved search; every criterion left empty matches everything. On PATCH, only the
    fields sent change; ``channels``, when sent, replaces the list of channels."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str | None, Checked(200)] = Field(
        None, description="Required on create", examples=["Rice to Baku"]
    )
    kinds: LooseList = _list(f"Any of: {', '.join(Kind.values)}", ["lead"])
    hs_prefixes: LooseList = _list("HS 2022 chapters, headings or subheadings", ["1006", "10"])
    sectors: LooseList = _list(f"Any of: {', '.join(Sector.values)}", ["agriculture"])
    origin_countries: LooseList = _list("ISO 3166 alpha-2; any of them", ["PK"])
    destination_countries: LooseList = _list("ISO 3166 alpha-2; any of them", ["AZ"])
    keywords_all: LooseList = _list("Every one of these words appears", ["basmati"])
    keywords_any: LooseList = _list("At least one of these words appears", ["rice", "wheat"])
    keywords_none: LooseList = _list("None of these words appears", ["broken"])
    value_min_usd: LooseNumber = Field(None, description="Least value in USD", examples=[10000])
    value_max_usd: LooseNumber = Field(None, description="Greatest value in USD")
    languages: LooseList = _list("Language codes of the items", ["en"])
    channels: list[ChannelIn] | None = Field(
        None, description="How matches reach you; default on create: the live feed only"
    )


class ChannelOut(Schema):
    id: int
    kind: str
    endpoint: int | None = Field(description="Webhook: the endpoint's id")
    endpoint_url: str | None
    email_mode: str = Field(description="Email: instant or digest")
    digest_hour: int | None
    feed_url: str | None = Field(description="Atom: the private address of the feed")


class DeliveryCounts(Schema):
    delivered: int
    waiting: int = Field(description="Pending, retrying, or held for the daily digest")
    dead: int = Field(description="Given up after the last retry; see redeliver")


class SubscriptionOut(Schema):
    id: int
    uid: str
    name: str
    kinds: list[str]
    hs_prefixes: list[str]
    sectors: list[str]
    origin_countries: list[str]
    destination_countries: list[str]
    keywords_all: list[str]
    keywords_any: list[str]
    keywords_none: list[str]
    value_min_usd: Decimal | None
    value_max_usd: Decimal | None
    languages: list[str]
    channels: list[ChannelOut]
    deliveries: DeliveryCounts
    created_at: dt.datetime
    updated_at: dt.datetime


class Ref(Schema):
    id: int
    name: str


class ItemRef(Schema):
    id: int | None  # None for a date alert about no item (a pledge project's new stage)
    title: str
    url: str


class AttemptOut(Schema):
    at: dt.datetime
    status_code: int | None = Field(description="HTTP status (webhook) or SMTP reply (email)")
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    uid: str = Field(description="The idempotency id, sent as webhook-id; kept on redelivery")
    subscription: Ref
    item: ItemRef
    kind: str = Field(description=f"The channel: {', '.join(Channel.Kind.values)}")
    status: str = Field(description=", ".join(Delivery.Status.values))
    attempts: int
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    last_error: str
    attempt_log: list[AttemptOut] = Field(description="Every try, oldest first")


class DeliveryPage(Schema):
    count: int = Field(description="How many deliveries, over all pages")
    deliveries: list[DeliveryOut]


class DeliveryQuery(Schema):
    status: Annotated[str, Checked(100)] = Field(
        "", description=f"Only this status: {', '.join(Delivery.Status.values)}"
    )
    limit: int = Field(50, ge=1, le=200, description="Deliveries per page")
    offset: int = Field(0, ge=0, le=1_000_000, description="Deliveries to skip")


class RedeliveredOut(Schema):
    redelivered: int = Field(description="How many dead deliveries were queued again")


class EndpointIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, Checked(500)] = Field(
        description="A public http(s) URL", examples=["https://example.org/hooks"]
    )
    description: Annotated[str, Checked(200)] = Field("", description="What it is, for you")


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    state: str = Field(description="healthy, or failing since a delivery was dead-lettered")
    failing_since: dt.datetime | None
    created_at: dt.datetime
    secret_rotated_at: dt.datetime | None
    subscriptions: list[Ref] = Field(description="The active subscriptions that send to it")


class EndpointWithSecret(EndpointOut):
    secret: str = Field(
        description="The signing secret (Standard Webhooks, whsec_...). Shown only in this response."
    )
