"""Sample records shared by in-process tests and the tests that drive real processes.

Plain data, no Django imports, so that child processes can use it before Django is set up.
"""

from __future__ import annotations

from typing import Any


def lead_data(**overrides: Any) -> dict[str, Any]:
    """A valid trade lead record; override any field."""
    data: dict[str, Any] = {
        "kind": "lead",
        "title": "Basmati rice, 500 tonnes, for Baku",
        "summary": "Long-grain basmati from Punjab, new crop.",
        "side": "sell",
        "product": "Basmati rice",
        "hs_code": "100630",
        "quantity": "500",
        "unit": "TNE",
        "incoterm": "CFR",
        "origin_country": "PK",
        "destination_country": "AZ",
        "value_amount": "450000",
        "value_currency": "USD",
        "sectors": ["agriculture"],
    }
    data.update(overrides)
    return data
