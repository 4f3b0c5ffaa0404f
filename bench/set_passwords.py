"""Give bench accounts a usable password (the loader leaves none), for the HTTP benchmarks,
and make the second factor optional on this bench site.

usage: .venv/bin/python bench/set_passwords.py [USERNAME ...]   (default: duchashi u07801)
Password: $DUBAN_BENCH_PASSWORD or Bench-pass-2026. Same environment as load_workload.py.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    import django

    django.setup()
    from duban.org.models import SecurityPolicy, User

    password = os.environ.get("DUBAN_BENCH_PASSWORD", "Bench-pass-2026")
    # A bench site, like the demo: the second factor optional, so the HTTP client signs in
    # with the password alone (bench/http_site.py does the same).
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"mfa_roles": []})
    print("second factor: optional for every role (bench site)")
    for name in argv or ["duchashi", "u07801"]:
        user = User.objects.get(username=name)
        user.set_password(password)
        user.save(update_fields=["password"])
        print(f"{name}: password set")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
