"""Convert amounts to US dollars with the latest recorded exchange rate."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bureau.reference.models import ExchangeRate

CENT = Decimal("0.01")


def rates_per_usd() -> dict[str, Decimal]:
    """The latest rate of every currency that has one (USD is always 1)."""
    latest: dict[str, Decimal] = {"USD": Decimal(1)}
    for rate in ExchangeRate.objects.order_by("currency", "as_of"):
        latest[rate.currency] = rate.per_usd
    return latest


def to_usd(
    amount: Decimal | None, currency: str, rates: dict[str, Decimal] | None = None
) -> Decimal | None:
    """``amount`` in USD, or None when there is no amount or no rate for the currency."""
    if amount is None or not currency:
        return None
    rate = (rates if rates is not None else rates_per_usd()).get(currency.upper())
    if not rate:
        return None
    return (amount / rate).quantize(CENT, rounding=ROUND_HALF_UP)
