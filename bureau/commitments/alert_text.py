"""What a date alert says, in the reader's language: an agreement expiring (its date and the
days left), a milestone due (which one, of which agreement, when), a pledge project changing
stage (from which stage to which). The facts are stored with the event when it is announced
(``DateEvent.about``), so every channel and every retry says the same thing.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bureau.commitments.models import DateEvent, Stage
from bureau.delivery.described import Describer, Text

ACTIONS = ("expiring", "milestone_due", "stage_changed")


def facts(event_ids: list[int]) -> dict[int, dict[str, Any]]:
    return dict(DateEvent.objects.filter(event_id__in=event_ids).values_list("event_id", "about"))


def _stage(value: str) -> str:
    return str(Stage(value).label) if value in Stage.values else value


def _in_days(days: int) -> str:
    if days == 0:
        return _("today")
    return ngettext("in %(days)d day", "in %(days)d days", days) % {"days": days}


def text(about: dict[str, Any]) -> Text:
    kind, path = about.get("kind"), about.get("path", "/commitments/")
    if kind == "expiry":
        values = {"agreement": about["agreement"], "day": about["day"],
                  "left": _in_days(int(about["days_left"]))}  # fmt: skip
        return Text(
            _("Agreement expiring"),
            _("%(agreement)s expires on %(day)s") % values,
            _("The agreement “%(agreement)s” expires on %(day)s, %(left)s.") % values,
            path,
        )
    if kind == "milestone":
        values = {"milestone": about["milestone"], "agreement": about["agreement"],
                  "day": about["day"], "left": _in_days(int(about["days_left"]))}  # fmt: skip
        return Text(
            _("Milestone due"),
            _("%(milestone)s (%(agreement)s) is due on %(day)s") % values,
            _(
                "The milestone “%(milestone)s” of the agreement “%(agreement)s” is due on "
                "%(day)s, %(left)s."
            )
            % values,
            path,
        )
    values = {"project": about.get("project", ""), "pledge": about.get("pledge", ""),
              "from": _stage(about.get("from", "")), "to": _stage(about.get("to", "")),
              "day": about.get("on") or ""}  # fmt: skip
    summary = (
        _("The project “%(project)s” of the pledge “%(pledge)s” moved from %(from)s to %(to)s "
          "on %(day)s.")
        if values["day"]
        else _("The project “%(project)s” of the pledge “%(pledge)s” moved from %(from)s to "
               "%(to)s (date not given).")
    ) % values  # fmt: skip
    return Text(
        _("Project changed stage"),
        _("%(project)s moved from %(from)s to %(to)s") % values,
        summary,
        path,
    )


DESCRIBER = Describer(facts=facts, text=text)
