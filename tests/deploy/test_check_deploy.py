"""`duban check --deploy` with the README's production settings is clean (issue 17 point 8)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.deploy.servers import DUBAN, base_env

# The README's "Production" environment, as an office would write it.
README_PRODUCTION = {
    "DUBAN_HTTPS": "1",
    "DUBAN_BEHIND_PROXY": "1",
    "DUBAN_ALLOWED_HOSTS": "duban.county.gov.cn",
}


def check(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DUBAN), "check", "--deploy", "--fail-level", "WARNING"],
        env=base_env(tmp_path, None, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    out = check(tmp_path, README_PRODUCTION)
    assert out.returncode == 0, out.stderr
    assert "no issues" in out.stdout


def test_without_https_settings_the_check_names_what_is_missing(tmp_path: Path) -> None:
    out = check(tmp_path, {"DUBAN_ALLOWED_HOSTS": "duban.county.gov.cn"})
    assert out.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in out.stderr
