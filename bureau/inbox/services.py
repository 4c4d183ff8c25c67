"""Leave a message for a person in the bureau, and send it to them by email after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from bureau.accounts.models import User
from bureau.core.addresses import public_url
from bureau.inbox.models import Message

log = logging.getLogger(__name__)


def messages_send(
    *, recipients: Iterable[User], subject: str, text: str, url: str = "", email: bool = True
) -> list[Message]:
    """Store the message for each active recipient; email it once the transaction commits.

    ``url`` is a path on this node ('/items/12/'); the email carries it as a full link. A mail
    server that refuses is logged, not raised: the message is in the bureau all the same.
    """
    people = {user.pk: user for user in recipients if user.is_active}
    stored = Message.objects.bulk_create(
        Message(recipient=user, subject=subject, text=text, url=url) for user in people.values()
    )
    if email and people:
        addresses = [user.email for user in people.values()]
        body = text + (f"\n\n{public_url(url)}\n" if url else "\n")
        transaction.on_commit(lambda: _email(subject, body, addresses))
    return stored


def _email(subject: str, body: str, addresses: list[str]) -> None:
    for address in addresses:  # one each: recipients must not see one another
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        except OSError as error:
            log.warning("inbox email to %s failed: %s", address, error)


def messages_mark_read(*, recipient: User) -> int:
    """Mark every unread message of ``recipient`` read; returns how many."""
    return Message.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )
