"""``bureau route FROM TO``: the Pareto-optimal routes between two places, with every leg."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.core.errors import ValidationFailed
from bureau.freight import network as net
from bureau.freight import planner, present, selectors


def _list(values: list[str] | None) -> list[str]:
    return [part for value in values or [] for part in value.split(",") if part.strip()]


class Command(BaseCommand):
    help = (
        "Freight routes between two places (names or UN/LOCODEs), Pareto-optimal by time, "
        "cost and CO2, each with its legs, figures and their sources."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("origin", metavar="FROM", help="A place: name or UN/LOCODE (PKKHI).")
        parser.add_argument("destination", metavar="TO", help="A place: name or UN/LOCODE (AZBAK).")
        parser.add_argument("--by", choices=planner.CRITERIA, default="time", help="Rank by.")
        parser.add_argument(
            "--avoid",
            action="append",
            metavar="CC",
            help="Countries to avoid, e.g. IR (repeat or comma-separate).",
        )
        parser.add_argument(
            "--mode",
            action="append",
            metavar="MODE",
            help=f"Only these modes: {', '.join(net.MODES)}.",
        )
        parser.add_argument("--max-borders", type=int, help="At most this many border crossings.")
        parser.add_argument("--cargo", choices=net.CARGO_TYPES, default="container")
        parser.add_argument(
            "--json", action="store_true", help="Print the routes as JSON (as the API does)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        request = selectors.RouteRequest(
            origin=options["origin"], destination=options["destination"], by=options["by"],
            avoid=_list(options["avoid"]), modes=_list(options["mode"]),
            max_borders=options["max_borders"], cargo=options["cargo"],
        )  # fmt: skip
        try:
            plan = selectors.routes_plan(request)
        except ValidationFailed as failed:
            raise CommandError(
                "; ".join(f"{e.field}: {e.message}" for e in failed.errors)
            ) from None
        if options["json"]:
            self.stdout.write(json.dumps(present.plan_out(plan), ensure_ascii=False, indent=1))
            return
        self._print(plan)

    def _print(self, plan: selectors.RoutePlan) -> None:
        data = present.plan_out(plan)
        self.stdout.write(
            f"{data['from_name']} ({data['from']}) → {data['to_name']} ({data['to']})"
        )
        if not data["routes"]:
            self.stdout.write(f"No route: {data['reason']}.")
            return
        for route in data["routes"]:
            self.stdout.write("")
            self.stdout.write(
                f"Route {route['rank']}: {' → '.join(route['places'])}  [{', '.join(route['modes'])}]"
            )
            self.stdout.write("  " + self._totals(route))
            self.stdout.write(
                f"  {route['transshipments']} transshipment(s), {route['border_crossings']} border crossing(s), "
                f"{route['gauge_changes']} gauge change(s)"
            )
            for leg in route["legs"]:
                self.stdout.write("    " + self._leg(leg, plan.plan.query.cargo))

    @staticmethod
    def _totals(route: dict[str, Any]) -> str:
        parts = []
        for name, label in (("time", "time"), ("cost", "cost"), ("co2", "CO2")):
            total = route["totals"][name]
            if total["unknown"]:
                parts.append(
                    f"{label} unknown (missing on {', '.join(total['legs_missing_it'])}; known part {total['known_part']:,.0f} {total['unit']})"
                )
            else:
                parts.append(f"{label} {total['value']:,.1f} {total['unit']}")
        return "; ".join(parts)

    @staticmethod
    def _leg(leg: dict[str, Any], cargo: str) -> str:
        figures = leg["figures"]

        def show(name: str, unit: str) -> str:
            figure = figures[name]
            return (
                f"{figure['value']:,.0f} {unit} [{figure['provenance']}]"
                if figure
                else f"{unit}: missing"
            )

        price = "usd_per_teu" if cargo == "container" else "usd_per_tonne"
        carriers = ", ".join(c["name"] for c in leg["carriers"])
        line = (
            f"{leg['from_name']} → {leg['to_name']} ({leg['mode']}): {show('distance_km', 'km')}; "
            f"{show('hours', 'h')}; {show(price, present.cost_unit(cargo))}"
        )
        if leg["events"]:
            line += f"; +{leg['penalty_hours']:g} h for {', '.join(leg['events'])}"
        return line + (f"; carriers: {carriers}" if carriers else "")
