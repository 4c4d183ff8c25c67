"""What every connect service shares: input parsing with field errors, rate limits, the audit
trail, contact cards, and telling the people of an organisation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from bureau.accounts.models import Organisation, User
from bureau.connect.models import Event
from bureau.core import parsing, ratelimit
from bureau.core.errors import DomainError, FieldError, ValidationFailed
from bureau.inbox.services import Wording, messages_send


class RateLimited(DomainError):
    status = 429


def rate_check(scope: str, *, user: User | None, address: str) -> None:
    """Count one request per account and per client address; refuse when either is full."""
    keys = [f"address:{address}"] + ([f"user:{user.pk}"] if user is not None else [])
    for key in keys:
        verdict = ratelimit.hit(f"connect-{scope}", key, settings.CONNECT_RATE_LIMIT)
        if not verdict.allowed:
            raise RateLimited(
                _("too many requests; try again in %(seconds)s seconds")
                % {"seconds": verdict.retry_after}
            )


def parse_fields(
    data: Mapping[str, Any], parsers: Mapping[str, Callable[[Any], Any]]
) -> dict[str, Any]:
    """Each field through its parser; ValidationFailed naming every bad field, nothing kept."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, parse in parsers.items():
        try:
            values[name] = parse(data.get(name))
        except ValueError as error:
            errors.append(FieldError(name, str(error)))
    if errors:
        raise ValidationFailed(errors)
    return values


def required_text(max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        result = parsing.text(value, max_length=max_length)
        if not result:
            raise ValueError(_("is required"))
        return result

    return parse


def optional_text(max_length: int) -> Callable[[Any], str]:
    return lambda value: parsing.text(value, max_length=max_length)


def currency(value: Any) -> str:
    code = parsing.text(value, max_length=3).upper()
    if code and not (len(code) == 3 and code.isalpha() and code.isascii()):
        raise ValueError(
            _("'%(code)s' is not an ISO 4217 currency code") % {"code": parsing.shown(code)}
        )
    return code


def positive_amount(value: Any) -> Any:
    number = parsing.amount(value)
    if number is not None and number <= 0:
        raise ValueError(_("must be more than 0"))
    return number


def record(
    *,
    actor: User | None,
    organisation: Organisation | None,
    key: str,
    label: str,
    action: str,
    detail: str = "",
) -> None:
    """One line of the audit trail, in the caller's transaction."""
    Event.objects.create(
        actor=actor if isinstance(actor, User) else None,
        organisation=organisation,
        object_key=key[:60],
        label=label[:300],
        action=action[:40],
        detail=detail[:500],
    )


def people_of(organisation: Organisation | None) -> list[User]:
    if organisation is None:
        return []
    return list(User.objects.filter(organisation=organisation, is_active=True))


def tell(people: Iterable[User | None], subject: Wording, text: Wording, url: str = "") -> None:
    """A message in each person's inbox and by email (after commit), worded in each person's
    language when ``subject`` and ``text`` are functions."""
    recipients = {p.pk: p for p in people if p is not None}
    if recipients:
        messages_send(recipients=recipients.values(), subject=subject, text=text, url=url)


def contact_card(person: User | None, organisation: Organisation | None) -> dict[str, str]:
    """The contact details that cross when both sides accept."""
    card = {
        "name": (person.get_full_name() or person.email) if person else "",
        "email": person.email if person else (organisation.email if organisation else ""),
        "organisation": organisation.name if organisation else "",
        "phone": organisation.phone if organisation else "",
        "website": organisation.website if organisation else "",
    }
    return {k: v for k, v in card.items() if v}


def card_text(card: Mapping[str, str]) -> str:
    labels = {
        "name": _("Name"),
        "email": _("Email"),
        "organisation": _("Organisation"),
        "phone": _("Phone"),
        "website": _("Website"),
    }
    return "\n".join(f"{labels[k]}: {v}" for k, v in card.items() if k in labels)
