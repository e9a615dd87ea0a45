"""The settings module is configured by environment variables only; production must be safe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG"}
    }
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_requires_a_secret_key() -> None:
    result = run_manage("check", env={"MAHALAT_ENV": "production", "ALLOWED_HOSTS": "mahalat.example"})
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "MAHALAT_ENV": "production",
            "SECRET_KEY": "x7#" + "k2Lm9Pq4Rt8Vw1Yz5Bc3Df6Gh0Jn" * 3,
            "ALLOWED_HOSTS": "mahalat.example",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_unknown_environment_is_refused() -> None:
    result = run_manage("check", env={"MAHALAT_ENV": "staging"})
    assert result.returncode != 0
    assert "MAHALAT_ENV must be" in result.stderr
