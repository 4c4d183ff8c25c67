"""Reads of a person's inbox."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bureau.inbox.models import Message


def messages_of(user: Any) -> QuerySet[Message]:
    return Message.objects.filter(recipient=user)


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()
