"""System checks of the cryptography (`duban check`): the SM3/SM4 known answers, and the
keys readable (security.md §4: register your own checks)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security)
def crypto_known_answers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from duban import crypto

    problems: list[CheckMessage] = [
        Error(p, id="duban.E001", hint="The OpenSSL behind `cryptography` lacks SM3/SM4.")
        for p in crypto.self_test()
    ]
    try:
        crypto.chain_key()
        crypto.field_key()
    except (crypto.KeyProblem, OSError, ValueError) as e:
        problems.append(Error(f"key unusable: {e}", id="duban.E002"))
    return problems
