"""The `duban` command: Django's management commands under one name.

`duban demo`, `duban tick`, `duban audit verify`, `duban org load FILE`, `duban migrate`, …
Each run gets an id (`cmd-…`) in DUBAN_DATA/logs/duban.log, and a command that fails with
an unexpected error is logged there with its traceback, as a page's 500 is.
"""

from __future__ import annotations

import logging
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    from django.core.management import execute_from_command_line

    from duban import logs

    argv = ["duban", *sys.argv[1:]]
    token = logs.bind(logs.new_id(prefix="cmd-"))
    log = logging.getLogger("duban.command")
    try:
        execute_from_command_line(argv)
    except Exception:
        # Logging is configured once Django has set up (inside execute_from_command_line);
        # an error before that still reaches stderr through the re-raise.
        log.exception("command failed: %s", " ".join(argv[1:]))
        raise
    finally:
        logs.unbind(token)


if __name__ == "__main__":
    main()
