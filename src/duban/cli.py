"""The `duban` command: Django's management commands under one name.

`duban demo`, `duban tick`, `duban audit verify`, `duban org load FILE`, `duban migrate`, …
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["duban", *sys.argv[1:]])


if __name__ == "__main__":
    main()
