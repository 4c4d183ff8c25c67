from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "bureau.delivery"
    label = "delivery"
    verbose_name = _("Delivery")

    def ready(self) -> None:
        from bureau.catalog.changes import ItemsPublished
        from bureau.core import changes
        from bureau.delivery import outbox

        changes.listen(ItemsPublished, outbox.on_items_published)
