from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "bureau.web"
    label = "web"
    verbose_name = _("Web pages")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from bureau.core.files import on_connection_created
        from bureau.core.metrics import count_db_connection

        # SQLite files made after start-up (a test database) are private too.
        connection_created.connect(on_connection_created, dispatch_uid="bureau-private-sqlite")
        connection_created.connect(count_db_connection, dispatch_uid="bureau-count-connections")
