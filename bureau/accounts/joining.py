"""Joining the bureau: sign-up with email confirmation, requests to act for an organisation, and
signing out everywhere.

A trader who signs up gets an account of their own, without an organisation: they can search,
save searches and receive deliveries. To enter information for an organisation they ask to join
it; a person of that organisation, or staff of its chamber, approves or refuses.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from bureau.accounts import permissions
from bureau.accounts.models import MembershipRequest, Organisation, User
from bureau.core import parsing
from bureau.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from bureau.inbox.services import messages_send

MAX_EMAIL = 254
MAX_PASSWORD = 200
MAX_MESSAGE = 500


class ConfirmationTokens(PasswordResetTokenGenerator):
    """Tokens for the email-confirmation link; a used link stops working (the account is active)."""

    key_salt = "bureau.accounts.joining.ConfirmationTokens"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{user.pk}{user.email}{user.is_active}{timestamp}"


confirmation_tokens = ConfirmationTokens()


def _clean_sign_up(email: object, password: object) -> tuple[str, str]:
    errors: list[FieldError] = []
    try:
        address = parsing.text(email, max_length=MAX_EMAIL).lower()
        validate_email(address)
    except (ValueError, DjangoValidationError) as error:
        message = str(error) if isinstance(error, ValueError) else "is not an email address"
        errors.append(FieldError("email", message))
        address = ""
    try:
        secret = parsing.text(password, max_length=MAX_PASSWORD)
        validate_password(secret, User(email=address))
    except ValueError as error:
        errors.append(FieldError("password", str(error)))
        secret = ""
    except DjangoValidationError as error:
        errors += [FieldError("password", message) for message in error.messages]
    if errors:
        raise ValidationFailed(errors)
    return address, secret


@transaction.atomic
def user_sign_up(*, email: object, password: object) -> User | None:
    """Create a trader account, inactive until its address is confirmed; returns it, or None when
    the address has an account already (the caller says the same either way, so that sign-up
    does not tell a stranger who has an account)."""
    address, secret = _clean_sign_up(email, password)
    if User.objects.filter(email__iexact=address).exists():
        return None
    try:
        with transaction.atomic():
            return User.objects.create_user(
                address, secret, organisation=None, role=User.Role.MEMBER, is_active=False
            )
    except IntegrityError:  # the same address signed up at the same moment
        return None


def confirmation_path(user: User) -> str:
    """The path of the link that confirms ``user``'s address."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:confirm", args=[uid, confirmation_tokens.make_token(user)])


def user_confirm(*, uid: str, token: str) -> User | None:
    """Activate the account the link was made for; None when the link is wrong or used."""
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uid).decode()))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if user.is_active or not confirmation_tokens.check_token(user, token):
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def user_sign_out_everywhere(*, user: User) -> None:
    """End every session of ``user``, on every device (their sessions no longer match)."""
    User.objects.filter(pk=user.pk).update(session_generation=user.session_generation + 1)
    user.session_generation += 1


# --- Membership requests -------------------------------------------------------------------------


@transaction.atomic
def membership_request(
    *, user: User, organisation: Organisation, message: object = ""
) -> MembershipRequest:
    """Ask to act for ``organisation``; the people who may approve are told in the bureau."""
    try:
        note = parsing.text(message, max_length=MAX_MESSAGE)
    except ValueError as error:
        raise ValidationFailed.single("message", str(error)) from None
    if user.organisation_id is not None:
        raise Conflict(_("you act for an organisation already"))
    if organisation.origin_node or organisation.kind in (
        Organisation.Kind.CHAMBER,
        Organisation.Kind.BUREAU,
    ):
        raise ValidationFailed.single(
            "organisation", _("chambers and organisations of other nodes take no requests here")
        )
    try:
        with transaction.atomic():
            request = MembershipRequest.objects.create(
                user=user, organisation=organisation, message=note
            )
    except IntegrityError:
        raise Conflict(_("you have asked to join this organisation already")) from None
    messages_send(
        recipients=approvers_of(organisation),
        subject=lambda: (
            _("%(email)s asks to join %(organisation)s")
            % {"email": user.email, "organisation": organisation.name}
        ),
        text=lambda: note or _("No message."),
        url=reverse("accounts:account"),
    )
    return request


def approvers_of(organisation: Organisation) -> list[User]:
    """The people who may approve requests to join ``organisation``: its own, and its chamber's."""
    ids = [organisation.pk] + ([organisation.chamber_id] if organisation.chamber_id else [])
    people = User.objects.filter(organisation_id__in=ids, is_active=True)
    return [p for p in people if permissions.can_decide_membership(p, organisation)]


@transaction.atomic
def membership_decide(*, actor: User, request: MembershipRequest, approve: bool) -> None:
    """Approve (the person then acts for the organisation as a member) or refuse a request."""
    request = (
        MembershipRequest.objects.select_for_update()
        .select_related("organisation", "user")
        .get(pk=request.pk)
    )
    if not permissions.can_decide_membership(actor, request.organisation):
        raise PermissionDenied(_("only the organisation or its chamber decide who joins it"))
    if request.status != MembershipRequest.Status.PENDING:
        raise Conflict(_("this request has been decided already"))
    if approve and request.user.organisation_id is not None:
        raise Conflict(_("this person acts for another organisation already"))
    request.status = (
        MembershipRequest.Status.APPROVED if approve else MembershipRequest.Status.REFUSED
    )
    request.decided_by, request.decided_at = actor, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        User.objects.filter(pk=request.user_id).update(
            organisation=request.organisation, role=User.Role.MEMBER
        )
    decider = actor.organisation.name if actor.organisation else ""
    messages_send(
        recipients=[request.user],
        subject=lambda: (
            (
                _("You now act for %(organisation)s")
                if approve
                else _("Your request to join %(organisation)s was refused")
            )
            % {"organisation": request.organisation.name}
        ),
        text=lambda: _("Decided by %(organisation)s.") % {"organisation": decider},
        url=reverse("accounts:account"),
    )


def requests_to_decide(user: User) -> list[MembershipRequest]:
    """Pending requests that ``user`` may approve or refuse."""
    pending = MembershipRequest.objects.filter(status=MembershipRequest.Status.PENDING)
    if not user.is_node_admin:
        mine = user.organisation_id
        pending = pending.filter(Q(organisation_id=mine) | Q(organisation__chamber_id=mine))
    pending = pending.select_related("user", "organisation")
    return [r for r in pending if permissions.can_decide_membership(user, r.organisation)]
