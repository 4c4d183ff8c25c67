"""Leave a message for a person in the bureau, and send it to them by email after commit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from bureau.accounts.models import User
from bureau.core.addresses import public_url
from bureau.delivery.email import recipient_language
from bureau.inbox.models import Message

log = logging.getLogger(__name__)

# A message's wording: a plain string, or a function that words it in the active language.
Wording = str | Callable[[], str]


def messages_send(
    *,
    recipients: Iterable[User],
    subject: Wording,
    text: Wording,
    url: str = "",
    email: bool = True,
) -> list[Message]:
    """Store the message for each active recipient; email it once the transaction commits.

    ``subject`` and ``text`` given as functions are worded once per recipients' language, with
    that language active, so each person reads the message (and its email) in their own
    language, not in the language of whoever caused it. ``url`` is a path on this node
    ('/items/12/'); the email carries it as a full link. A mail server that refuses is logged,
    not raised: the message is in the bureau all the same.
    """
    people = {user.pk: user for user in recipients if user.is_active}
    by_language: dict[str, list[User]] = {}
    for user in people.values():
        by_language.setdefault(recipient_language(user), []).append(user)
    stored: list[Message] = []
    for language, group in by_language.items():
        with translation.override(language):
            worded_subject, worded_text = _worded(subject)[:200], _worded(text)
        stored += Message.objects.bulk_create(
            Message(recipient=user, subject=worded_subject, text=worded_text, url=url)
            for user in group
        )
        if email:
            addresses = [user.email for user in group]
            body = worded_text + (f"\n\n{public_url(url)}\n" if url else "\n")
            transaction.on_commit(partial(_email, worded_subject, body, addresses))
    return stored


def _worded(wording: Wording) -> str:
    return str(wording() if callable(wording) else wording)


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
