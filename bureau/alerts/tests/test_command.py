"""`bureau subscriptions match ITEM_ID`: what support staff see for an item."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from bureau.accounts.models import User
from bureau.alerts import services
from bureau.alerts.models import Subscription

pytestmark = pytest.mark.django_db


def run(*args: Any) -> str:
    out = StringIO()
    call_command("subscriptions", "match", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def subscriptions(member: User, staff_pk: User) -> dict[str, Subscription]:
    def make(owner: User, name: str, **data: Any) -> Subscription:
        return services.subscription_create(owner=owner, data={"name": name, **data})

    return {
        "rice": make(
            member, "Rice", hs_prefixes=["10"], channels=[{"kind": "live"}, {"kind": "atom"}]
        ),
        "to_baku": make(staff_pk, "Anything for Azerbaijan", destination_countries=["AZ"]),
        "lng": make(member, "LNG", hs_prefixes=["2711"]),
        "big": make(member, "Big deals", value_min_usd="1000000"),
        "deleted": make(member, "Deleted rice", hs_prefixes=["1006"]),
    }


def test_lists_every_active_subscription_the_item_matches(
    subscriptions: dict[str, Subscription], make_item: Any
) -> None:
    services.subscription_delete(
        owner=subscriptions["deleted"].owner, subscription=subscriptions["deleted"]
    )
    item = make_item(publish=True)  # basmati, HS 100630, PK -> AZ, 450 000 USD
    output = run(item.pk)
    assert output.splitlines()[:2] == [
        f"Item {item.pk} “Basmati rice, 500 tonnes, for Baku” (lead, published)",
        "2 active subscription(s) match.",
    ]
    rice, baku = subscriptions["rice"], subscriptions["to_baku"]
    assert f"  #{rice.pk} “Rice” of trader@rice.example — channels: live, atom" in output
    assert f"  #{baku.pk} “Anything for Azerbaijan” of staff@pk.example — channels: live" in output
    for name in ("LNG", "Big deals", "Deleted rice"):
        assert name not in output
    assert "hs_prefixes" not in output  # verdicts only with --explain


def test_explain_gives_every_criterions_verdict(
    subscriptions: dict[str, Subscription], make_item: Any
) -> None:
    item = make_item(publish=True)
    output = run(item.pk, "--explain")
    block = output.split(f"#{subscriptions['rice'].pk} ")[1].split("  #")[0]
    assert "hs_prefixes            yes  matches 10" in block
    assert "kinds                  yes  any" in block and "value                  yes  any" in block


def test_one_subscription_that_does_not_match_says_why(
    subscriptions: dict[str, Subscription], make_item: Any
) -> None:
    item = make_item(publish=True)
    big = subscriptions["big"]
    output = run(item.pk, "--subscription", big.pk)
    assert f"Subscription {big.pk} “Big deals” does not match." in output
    assert "value                  no   450000.00 USD" in output
    lng = run(item.pk, "--subscription", subscriptions["lng"].pk)
    assert "hs_prefixes            no   none of 2711" in lng


def test_unknown_item_or_subscription_is_an_error(
    subscriptions: dict[str, Subscription], make_item: Any
) -> None:
    with pytest.raises(CommandError, match="there is no item 987654"):
        run(987654)
    item = make_item(publish=True)
    with pytest.raises(CommandError, match="there is no subscription 987654"):
        run(item.pk, "--subscription", 987654)
