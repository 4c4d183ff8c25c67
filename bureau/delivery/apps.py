from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "bureau.delivery"
    label = "delivery"
    verbose_name = _("Delivery")

    def ready(self) -> None:
        from bureau.catalog.changes import ItemsPublished, ItemStatusChanged
        from bureau.core import changes
        from bureau.delivery import outbox, withdrawn

        changes.listen(ItemsPublished, outbox.on_items_published)
        changes.listen(ItemStatusChanged, withdrawn.on_item_status_changed)
