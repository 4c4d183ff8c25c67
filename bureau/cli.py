"""The ``bureau`` console command: Django's command line with the bureau's settings.

``bureau init``, ``bureau serve``, ``bureau demo``, ``bureau import items FILE`` and
``bureau token create EMAIL`` are management commands of the bureau's apps; every other
Django command (``bureau migrate``, ``bureau createsuperuser``, ...) works too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    # What the node writes (database, keys, mail, trade files, uploads) is for its own user only.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "bureau"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
