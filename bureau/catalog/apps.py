from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "bureau.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from bureau.catalog import index
        from bureau.catalog.changes import ItemsPublished, ItemStatusChanged, ItemUpdated
        from bureau.core import changes

        # The index's queue rows are written by a database trigger; this only brings the
        # index up to date right after the change commits, in the process that made it.
        for change in (ItemsPublished, ItemUpdated, ItemStatusChanged):
            changes.listen(change, index.on_change)
        changes.listen(ItemUpdated, lambda change: _forget([change.item]))
        changes.listen(ItemStatusChanged, lambda change: _forget([change.item]))
        changes.listen(ItemsPublished, _forget_published)


def _forget_published(change: Any) -> None:
    if not change.created:
        _forget(change.items)


def _forget(items: Any) -> None:
    """The cached API answer of a changed item is dropped once the change commits."""
    from django.db import transaction

    from bureau.catalog.reads import forget_items

    pks = [item.pk for item in items]

    def forget() -> None:
        forget_items(pks)

    transaction.on_commit(forget)
