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
