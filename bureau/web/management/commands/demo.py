"""``bureau demo``: set up the database, load the demo content and accounts, then serve.

``bureau demo`` runs one node as the environment configures it; ``bureau demo --node
islamabad|baku`` runs one of the demo's two chamber nodes in its own folder under
``BUREAU_HOME``, introduced to the other; ``bureau demo --pair`` runs both (``make run``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.accounts.models import User
from bureau.core.errors import DomainError
from bureau.demo import nodes, parts
from bureau.demo.loader import DemoResult, demo_load
from bureau.demo.pair import run_pair
from bureau.exchange import services


class Command(BaseCommand):
    help = (
        "Run `bureau init --no-input`, load demonstration content built from cited sources "
        "with demo accounts, then serve the bureau. Running it again adds nothing. "
        "--node runs one of the two chambers' nodes, --pair runs both."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--port", type=int, help="Default: 8000 (with --node, the node's own: 8000 or 8001)."
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Only load the demo; do not start the server."
        )
        parser.add_argument(
            "--node",
            choices=list(nodes.NODES),
            help="Run this chamber's demo node, in BUREAU_HOME/<node>, with the other as its peer.",
        )
        parser.add_argument(
            "--peer-port", type=int, help="Where the other demo node listens (default: its own)."
        )
        parser.add_argument(
            "--pair",
            action="store_true",
            help="Run both demo nodes (Islamabad on --port, Baku on --peer-port); "
            "stopping this command stops both.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["pair"]:
            self._pair(options)
            return
        node = nodes.NODES[options["node"]] if options["node"] else None
        port = options["port"] or (node.port if node else 8000)
        if node and not nodes.is_configured_as(
            node,
            home=Path(settings.BUREAU_HOME),
            name=settings.BUREAU_NODE_NAME,
            title=settings.BUREAU_NODE_TITLE,
        ):
            self._run_as(node, options, port)  # does not return
        call_command("init", no_input=True, skip_admin=True, stdout=self.stdout, stderr=self.stderr)
        try:
            self._report(demo_load())
            for name, summary in parts.load_all(settings.BUREAU_NODE_NAME):
                self.stdout.write(f"Demo {name}: {summary}")
            if node:
                self._introduce(node, options["host"], options["peer_port"])
        except DomainError as error:
            raise CommandError(f"the demo could not be loaded: {error}") from error
        if not options["no_serve"]:
            call_command(
                "serve", host=options["host"], port=port, stdout=self.stdout, stderr=self.stderr
            )

    def _pair(self, options: dict[str, Any]) -> None:
        if options["node"]:
            raise CommandError("--pair runs both nodes: leave out --node")
        first = options["port"] or nodes.ISLAMABAD.port
        second = options["peer_port"] or first + 1
        host = options["host"]
        if not options["no_serve"]:
            self.stdout.write(
                f"Starting both chambers' nodes: {nodes.ISLAMABAD.title} at http://{host}:{first}/ "
                f"and {nodes.BAKU.title} at http://{host}:{second}/. Ctrl-C stops both."
            )
        status = run_pair(
            root=Path(settings.BUREAU_HOME),
            host=host,
            ports=(first, second),
            serve=not options["no_serve"],
            out=self.stdout,
        )
        if status:
            raise CommandError(f"a demo node stopped with status {status}")

    def _run_as(self, node: nodes.DemoNode, options: dict[str, Any], port: int) -> None:
        """Start again as that node: its folder, name and address are read at start-up."""
        env = nodes.environment(
            node, root=Path(settings.BUREAU_HOME), host=options["host"], port=port, base=os.environ
        )
        argv = [sys.executable, "-m", "bureau.cli", "demo", "--node", node.key,
                "--host", options["host"], "--port", str(port)]  # fmt: skip
        if options["peer_port"]:
            argv += ["--peer-port", str(options["peer_port"])]
        if options["no_serve"]:
            argv.append("--no-serve")
        self.stdout.flush()
        os.execve(sys.executable, argv, env)  # noqa: S606 - our own program, fixed arguments

    def _introduce(self, node: nodes.DemoNode, host: str, peer_port: int | None) -> None:
        """Make the other demo node this node's peer (its key from its folder)."""
        partner = nodes.partner_of(node)
        root = nodes.root_of(Path(settings.BUREAU_HOME))
        url = f"http://{host}:{peer_port or partner.port}"
        services.peer_ensure(
            name=partner.name,
            url=url,
            public_key=nodes.public_key_of(partner, root),
            title=partner.title,
            country=partner.country,
        )
        self.stdout.write(f"Peer {partner.name} ({partner.title}) at {url}.")

    def _report(self, result: DemoResult) -> None:
        self.stdout.write(
            f"Demo content of {result.node}: {result.organisations} organisations "
            f"({result.organisations_created} new), {result.items} items "
            f"({result.items_created} new)."
        )
        for slug in result.verified:
            self.stdout.write(f"Verified by its chamber: {slug}.")
        self.stdout.write(f"Demo accounts (passwords kept in {result.accounts_file}, mode 0600):")
        for credential in result.credentials:
            role = User.Role(credential.role).label
            password = (
                credential.password or "(not in the accounts file; use `bureau changepassword`)"
            )
            self.stdout.write(f"  {role:<14} {credential.email:<24} {password}")
        for email in result.other_admins:
            self.stdout.write(f"  {User.Role.ADMIN.label:<14} {email:<24} (set at `bureau init`)")
