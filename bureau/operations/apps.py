import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


class OperationsConfig(AppConfig):
    name = "bureau.operations"
    label = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from bureau.operations.metrics import fold_ended_processes

        try:
            fold_ended_processes()
        except OSError as error:  # a read-only or missing folder must not stop the program
            log.warning("could not tidy the metrics folder: %s", error)
