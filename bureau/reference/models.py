"""Reference tables loaded from maintained packages (see ``loaders``)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class HsSection(models.Model):
    """One of the 21 sections of the Harmonized System (Roman numeral)."""

    numeral = models.CharField(max_length=5, primary_key=True)
    position = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=300)

    class Meta:
        ordering: ClassVar = ["position"]
        verbose_name = _("HS section")

    def __str__(self) -> str:
        return f"{self.numeral} {self.name}"


class HsCode(models.Model):
    """An HS 2022 chapter (2 digits), heading (4) or subheading (6)."""

    code = models.CharField(max_length=6, primary_key=True)
    description = models.TextField()
    level = models.PositiveSmallIntegerField(db_index=True)
    parent = models.CharField(max_length=6, blank=True, db_index=True)
    section = models.ForeignKey(
        HsSection, null=True, blank=True, on_delete=models.PROTECT, related_name="codes"
    )

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("HS code")

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class ExchangeRate(models.Model):
    """Units of a currency per one US dollar, with where the figure comes from."""

    currency = models.CharField(max_length=3)
    per_usd = models.DecimalField(max_digits=18, decimal_places=6)
    as_of = models.DateField()
    source = models.CharField(max_length=300)
    source_url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering: ClassVar = ["currency", "-as_of"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["currency", "as_of"], name="one_rate_per_currency_day")
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.per_usd}/USD ({self.as_of})"
