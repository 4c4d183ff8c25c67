from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "bureau.exchange"
    label = "exchange"
    verbose_name = _("Exchange")

    def ready(self) -> None:
        from bureau.accounts.changes import OrganisationVerified
        from bureau.catalog.changes import ItemsPublished, ItemStatusChanged, ItemUpdated
        from bureau.commitments.changes import CommitmentChanged
        from bureau.core import changes
        from bureau.exchange import log

        changes.listen(ItemsPublished, lambda change: log.record_published(change.items))
        changes.listen(
            ItemStatusChanged,
            lambda change: log.record_status_change(change.item, from_status=change.from_status),
        )
        changes.listen(ItemUpdated, lambda change: log.record_updated(change.item))
        changes.listen(
            OrganisationVerified, lambda change: log.record_verified(change.organisation)
        )
        changes.listen(
            CommitmentChanged, lambda change: log.record_commitment(change.entity, change.record)
        )
