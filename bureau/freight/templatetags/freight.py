from __future__ import annotations

from typing import Any

from django import template

from bureau.freight import present

register = template.Library()


@register.filter
def duration(hours: float | None) -> str:
    return present.duration(hours)


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def price_key(cargo: str) -> str:
    return "usd_per_teu" if cargo == "container" else "usd_per_tonne"
