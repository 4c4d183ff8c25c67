from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "bureau.inbox"
    label = "inbox"
    verbose_name = _("Inbox")

    def ready(self) -> None:
        from bureau.catalog.changes import ItemStatusChanged
        from bureau.core import changes
        from bureau.inbox import listeners

        changes.listen(ItemStatusChanged, listeners.on_item_status_changed)
