from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectConfig(AppConfig):
    name = "bureau.connect"
    label = "connect"
    verbose_name = _("Connect")

    def ready(self) -> None:
        from bureau.connect import peers

        peers.register()
