"""Users, the organisations they belong to (the directory), and API tokens."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

DESCRIPTION_LENGTH = 5000  # characters of an organisation's description


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def verified(self) -> OrganisationQuerySet:
        return self.filter(verified_at__isnull=False)

    def chambers(self) -> OrganisationQuerySet:
        return self.filter(kind=Organisation.Kind.CHAMBER)


class Organisation(models.Model):
    """A chamber, the bureau itself, a company, an investor or a carrier."""

    class Kind(models.TextChoices):
        CHAMBER = "chamber", _("Chamber of commerce")
        BUREAU = "bureau", _("Information bureau")
        COMPANY = "company", _("Company")
        INVESTOR = "investor", _("Investor")
        CARRIER = "carrier", _("Carrier")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    country = models.CharField(
        _("country"), max_length=2, db_index=True, help_text=_("ISO 3166 alpha-2")
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    hs_codes = models.JSONField(_("HS codes of interest"), default=list, blank=True)
    chamber = models.ForeignKey(
        "self",
        verbose_name=_("member of chamber"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind": "chamber"},
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin_node = models.CharField(_("origin node"), max_length=100, default="", blank=True)
    source_title = models.CharField(_("source"), max_length=300, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class Contact(models.Model):
    """A person to reach at an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, role=User.Role.ADMIN)
        return self.create_user(email, password, **extra)


# The interface languages (settings.LANGUAGES) and the currencies amounts can be shown in.
INTERFACE_LANGUAGES = [("en", "English"), ("az", "Azərbaycanca"), ("ur", "اردو")]
PREFERRED_CURRENCIES = [("USD", "USD"), ("AZN", "AZN"), ("PKR", "PKR")]


class User(AbstractUser):
    """A person who signs in with an email address and acts for one organisation."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Node admin")
        STAFF = "staff", _("Chamber staff")
        MEMBER = "member", _("Member")

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email"), unique=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    # Blank: the browser's Accept-Language (or the language switch's cookie) decides.
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=INTERFACE_LANGUAGES, default=""
    )
    # Blank: amounts are shown in their own currency only.
    currency = models.CharField(
        _("preferred currency"), max_length=3, blank=True, choices=PREFERRED_CURRENCIES, default=""
    )
    # Raised by "sign out everywhere": every session signed in before no longer matches.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects = UserManager()  # type: ignore[misc,assignment]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_node_admin(self) -> bool:
        return self.is_active and (self.role == self.Role.ADMIN or self.is_superuser)

    @property
    def is_chamber_staff(self) -> bool:
        return self.is_active and self.role == self.Role.STAFF and self.organisation_id is not None

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Sessions carry this hash; a new password or a new generation signs them all out.
        Generation 0 hashes as Django does, so sessions from before this field stay valid."""
        text = (
            self.password
            if not self.session_generation
            else (f"{self.password}:{self.session_generation}")
        )
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            text,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Verification(models.Model):
    """One verification of an organisation, or its withdrawal: who, for which chamber, when,
    and what was checked. The organisation's own fields hold only the current state."""

    class Action(models.TextChoices):
        VERIFIED = "verified", _("Verified")
        WITHDRAWN = "withdrawn", _("Verification withdrawn")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="verifications"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chamber = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    checked = models.CharField(_("what was checked"), max_length=500, blank=True)

    class Meta:
        ordering: ClassVar = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.organisation_id} at {self.at}"


class MembershipRequest(models.Model):
    """A signed-up trader asks to act for an organisation; its members or chamber decide."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership_requests"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="membership_requests"
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_user_and_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.organisation_id} ({self.status})"


class ApiToken(models.Model):
    """A bearer token for machines. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, default="cli")
    prefix = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
