"""``{{ item.origin_node|node_title }}``: the title of the node an item came from."""

from __future__ import annotations

from django import template
from django.conf import settings

from bureau.exchange.selectors import node_titles

register = template.Library()


@register.filter
def node_title(node_name: str) -> str:
    """'Pakistan Chamber of Commerce, Baku' for a peer's name; the name itself when unknown."""
    if node_name == settings.BUREAU_NODE_NAME:
        return str(settings.BUREAU_NODE_TITLE)
    return node_titles().get(node_name) or node_name
