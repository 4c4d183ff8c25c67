"""Small controlled vocabularies: Incoterms 2020, sectors, units of measure."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Incoterm(models.TextChoices):
    """The eleven rules of ICC Incoterms 2020."""

    EXW = "EXW", _("EXW — Ex Works")
    FCA = "FCA", _("FCA — Free Carrier")
    CPT = "CPT", _("CPT — Carriage Paid To")
    CIP = "CIP", _("CIP — Carriage and Insurance Paid To")
    DAP = "DAP", _("DAP — Delivered at Place")
    DPU = "DPU", _("DPU — Delivered at Place Unloaded")
    DDP = "DDP", _("DDP — Delivered Duty Paid")
    FAS = "FAS", _("FAS — Free Alongside Ship")
    FOB = "FOB", _("FOB — Free on Board")
    CFR = "CFR", _("CFR — Cost and Freight")
    CIF = "CIF", _("CIF — Cost, Insurance and Freight")


class Sector(models.TextChoices):
    """Economic sectors the bureau files information under."""

    AGRICULTURE = "agriculture", _("Agriculture and food")
    CONSTRUCTION = "construction", _("Construction")
    DEFENCE = "defence", _("Defence industry")
    EDUCATION = "education", _("Education")
    ENERGY = "energy", _("Energy")
    FINANCE = "finance", _("Finance and banking")
    HEALTH = "health", _("Health and pharmaceuticals")
    ICT = "ict", _("Information and communication technology")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    MINING = "mining", _("Mining and metals")
    TEXTILES = "textiles", _("Textiles and clothing")
    TOURISM = "tourism", _("Tourism")
    TRANSPORT = "transport", _("Transport and logistics")
    TRADE = "trade", _("Trade and services")


class Unit(models.TextChoices):
    """Units of quantity, with UN/ECE Recommendation 20 codes."""

    TNE = "TNE", _("tonnes")
    KGM = "KGM", _("kilograms")
    LTR = "LTR", _("litres")
    MTQ = "MTQ", _("cubic metres")
    BLL = "BLL", _("barrels")
    MMBTU = "MMBTU", _("million BTU")
    H87 = "H87", _("pieces")
    CONTAINER = "CNT", _("containers (TEU)")
    CARGO = "CARGO", _("cargoes")
