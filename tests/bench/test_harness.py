"""The benchmark harness, end to end at `small` size: gunicorn, wrk, the floor, every scenario.

It runs against a database of its own (a fresh PostgreSQL database beside the test database when the
suite runs on PostgreSQL, else a SQLite file), and must finish without a single error. No timing is
asserted: only that every scenario answered, without errors, and that intake lost nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = {
    "floor",
    "neighborhood_page",
    "report_page",
    "staff_inbox",
    "api_reports",
    "intake",
    "deputy_dashboard",
    "open311_requests",
    "locate",
}

sys.path.insert(0, str(ROOT / "bench"))
import run as harness  # noqa: E402


@pytest.fixture
def bench_database(tmp_path: Path) -> Iterator[str]:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        return
    import psycopg

    # Beside the test database: pytest-xdist workers and CI runs each have their own.
    name = f"{database['NAME']}_harness"
    params = {
        "host": database["HOST"] or "127.0.0.1",
        "port": database["PORT"] or 5432,
        "user": database["USER"],
        "password": database["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    port = params["port"]
    auth = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    try:
        yield f"postgres://{auth}@{params['host']}:{port}/{name}"
    finally:
        with psycopg.connect(**params) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_harness_runs_every_scenario_without_errors(bench_database: str, tmp_path: Path) -> None:
    assert shutil.which("wrk"), "wrk is needed (Debian: apt-get install wrk; .ci/run installs it)"
    env = {key: value for key, value in os.environ.items() if key not in {"MAHALAT_ENV", "DATABASE_URL"}}
    command = [
        sys.executable,
        str(ROOT / "bench" / "run.py"),
        "--database-url",
        bench_database,
        "--size",
        "small",
        "--prepare",
        "--duration",
        "1",
        "--warmup",
        "0",
        "--connections",
        "2",
        "--output",
        str(tmp_path),
    ]
    if os.environ.get("REDIS_URL"):
        command += ["--redis-url", os.environ["REDIS_URL"]]
    else:
        command += ["--redis-url", ""]
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = finished.stdout[-6000:] + finished.stderr[-6000:]
    assert finished.returncode == 0, output
    (result_file,) = tmp_path.glob("*-small.json")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    by_name = {row["scenario"]: row for row in result["results"]}
    assert set(by_name) == SCENARIOS, output
    for name, row in by_name.items():
        assert row["requests"] > 0, f"{name} made no request"
        assert row["errors"] == 0, f"{name}: {row['errors']} errors"
        if name != "floor":
            assert row["share_of_floor"] is not None
    assert result["intake"]["without_outbox_row"] == 0
    assert result["intake"]["reports"] >= by_name["intake"]["created"] > 0
    assert result["commit"] and result["machine"]["cores"]


def _result(name: str, *, errors: int = 0, rps: float = 100.0, p99: float = 5.0) -> harness.Result:
    return harness.Result(
        scenario=name,
        connections=2,
        requests=100,
        seconds=1.0,
        rps=rps,
        p50_ms=1.0,
        p95_ms=2.0,
        p99_ms=p99,
        max_ms=p99,
        errors=errors,
    )


def test_errors_and_lost_reports_make_problems() -> None:
    good = [_result("floor"), _result("report_page")]
    assert harness.problems_of(good, intake=None) == []
    broken = [_result("floor"), _result("report_page", errors=3)]
    assert harness.problems_of(broken, intake=None) == ["report_page: 3 errors"]
    intake = {"reports": 10, "without_outbox_row": 1, "answered_created": 10}
    assert harness.problems_of(good, intake=intake) == [f"intake: {intake}"]
    short = {"reports": 9, "without_outbox_row": 0, "answered_created": 10}
    assert harness.problems_of(good, intake=short) == [f"intake: {short}"]


def test_the_verdict_follows_the_targets() -> None:
    floor = _result("floor", rps=1000)
    fast = _result("report_page", rps=450, p99=50)
    slow = _result("report_page", rps=300, p99=50)
    late = _result("report_page", rps=450, p99=150)
    for row in (fast, slow, late):
        row.share_of_floor = row.rps / floor.rps
    assert harness.verdict(fast, floor) == "ok"
    assert harness.verdict(slow, floor) == "below target"
    assert harness.verdict(late, floor) == "below target"
    intake = _result("intake", rps=260)
    intake.share_of_floor = 0.26
    assert harness.verdict(intake, floor) == "ok"
