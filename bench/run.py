"""The benchmark harness: the application under gunicorn, driven by wrk, measured against a floor.

    .venv/bin/python bench/run.py --database-url postgres://postgres@127.0.0.1:5432/mahalat_bench \
        --size city --prepare

Steps: (with --prepare) migrate the database and generate the scale data set of the chosen size unless
that city is already there; collect the static files; pick sample neighborhoods, reports and accounts
from the database; start gunicorn (workers = cores, production settings, the floor endpoint routed);
then for every scenario warm up and drive it with wrk on loopback for a bounded time, and print
requests per second, p50/p95/p99 latency, errors, and the throughput as a share of the floor's. The
results go to bench/results/<time>-<size>.json with the machine's description and the commit.

The floor is `mahalat.floor`: one primary-key query and a small JSON body through the same stack.
With `--connections auto` the load level is the largest power of two at which the floor's p99 stays
under 20 ms, and every scenario runs at that level.

Exit status 1 when a scenario returned errors (non-2xx/3xx answers, socket errors or timeouts) or
intake lost a report or its outbox row; the CI test runs this at `small` size.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MANAGE = [sys.executable, str(ROOT / "manage.py")]
RESULTS_DIR = ROOT / "bench" / "results"
FLOOR_P99_LIMIT_MS = 20.0
SCALE_SLUG = "scale"
SAMPLES = 200
READ_TARGET_SHARE = 0.40
INTAKE_TARGET_SHARE = 0.25
READ_P99_TARGET_MS = 100.0

# wrk's Lua: each request takes a random path (and body) from the scenario's list; answers are
# counted by status so that intake can be checked against the database afterwards.
LUA = r"""
local paths = %(paths)s
local bodies = %(bodies)s
local method = "%(method)s"
local headers = %(headers)s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 100000) + #threads)
  ok = 0; created = 0; bad = 0
end
function request()
  local path = paths[math.random(#paths)]
  local body = nil
  if #bodies > 0 then body = bodies[math.random(#bodies)] end
  return wrk.format(method, path, headers, body)
end
function response(status, hdrs, body)
  if status == 201 then created = created + 1 end
  if status < 400 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local c, k, b = 0, 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); k = k + t:get("ok"); b = b + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\"requests\": %%d, \"duration_us\": %%d, \"p50_us\": %%d, \"p95_us\": %%d, \"p99_us\": %%d, " ..
    "\"max_us\": %%d, \"connect\": %%d, \"read\": %%d, \"write\": %%d, \"status\": %%d, \"timeout\": %%d, " ..
    "\"created\": %%d, \"ok\": %%d, \"bad\": %%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout, c, k, b))
end
"""


@dataclass
class Scenario:
    name: str
    paths: list[str]
    method: str = "GET"
    bodies: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    writes: bool = False


@dataclass
class Result:
    scenario: str
    connections: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    created: int = 0
    share_of_floor: float | None = None


def _lua_list(values: list[str]) -> str:
    return "{" + ", ".join(json.dumps(value, ensure_ascii=False) for value in values) + "}"


def _lua_table(values: dict[str, str]) -> str:
    return "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in values.items()) + "}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(command: list[str], env: dict[str, str], *, quiet: bool = False) -> None:
    started = time.monotonic()
    output = subprocess.run(command, cwd=ROOT, env=env, capture_output=quiet, text=True, check=False)
    if output.returncode != 0:
        if quiet:
            sys.stderr.write(output.stdout[-4000:] + output.stderr[-4000:])
        raise SystemExit(f"failed ({output.returncode}): {' '.join(command)}")
    print(
        f"  {' '.join(Path(c).name if i < 2 else c for i, c in enumerate(command))}: "
        f"{time.monotonic() - started:.1f} s",
        flush=True,
    )


def server_env(args: argparse.Namespace, static_root: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "MAHALAT_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "BEHIND_TLS_PROXY": "false",
        "MAHALAT_BENCHMARK_FLOOR": "1",
        "STATIC_ROOT": str(static_root),
        # Hashed names as in production, without pre-compressing every file: no scenario fetches static
        # files, and compressing them all takes longer than the run.
        "STATIC_COMPRESS": "false",
        "DATABASE_URL": args.database_url,
        "PYTHONUNBUFFERED": "1",
        # Production keeps public answers for visitors (mahalat.answer_cache); --no-answer-cache measures
        # every request rendered afresh.
        "MAHALAT_ANSWER_CACHE_SECONDS": "300" if args.answer_cache else "0",
    }
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


def prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    print(f"preparing the database ({args.size})", flush=True)
    _run([*MANAGE, "migrate", "--noinput"], env, quiet=True)
    if args.size == "demo":
        _run([*MANAGE, "load_demo_city", "--if-missing"], env)
        return
    _django(env)
    from mahalat.territory.models import City

    if City.objects.filter(slug__startswith=SCALE_SLUG).exists():
        print(f"  the {SCALE_SLUG} data set is already there (generate_scale_data --replace renews it)")
        return
    _run(
        [*MANAGE, "generate_scale_data", "--size", args.size, "--city-slug", SCALE_SLUG, "--no-progress"], env
    )


def _django(env: dict[str, str]) -> None:
    """Set this process up against the benchmark's database, to pick samples and accounts."""
    for key in ("MAHALAT_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "STATIC_ROOT"):
        if key in env:
            os.environ[key] = env[key]
        else:
            os.environ.pop(key, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mahalat.settings")
    if str(ROOT / "src") not in sys.path:
        sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _session_cookie(user: Any) -> str:
    """A signed-in session for `user`, as the cookie header wrk sends."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(path), "get_user")
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _bearer(user: Any) -> str:
    from datetime import timedelta

    from django.utils import timezone

    from mahalat.accounts.models import ApiToken

    key = "mht_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=ApiToken.hash_key(key),
        prefix=key[4:12],
        name="benchmark",
        expires_at=timezone.now() + timedelta(days=1),
    )
    return key


def scenarios(rng: random.Random) -> tuple[list[Scenario], dict[str, Any]]:
    """Every scenario with its sample paths, drawn from the loaded city (the largest one)."""
    from django.db.models import Count

    from mahalat.accounts.models import Role, RoleAssignment, User
    from mahalat.reports.models import Report, ReportState
    from mahalat.territory.models import City, Neighborhood

    city = City.objects.annotate(n=Count("neighborhoods")).order_by("-n", "pk").first()
    if city is None:
        raise SystemExit("The database holds no city: run with --prepare, or load one first.")
    neighborhoods = list(Neighborhood.objects.filter(city=city).values_list("pk", "slug"))
    picked = rng.sample(neighborhoods, min(SAMPLES, len(neighborhoods)))
    codes = list(
        Report.objects.filter(city=city, is_public=True)
        .exclude(state=ReportState.UNVERIFIED)
        .order_by("-id")
        .values_list("tracking_code", flat=True)[: SAMPLES * 5]
    )
    codes = rng.sample(codes, min(SAMPLES, len(codes)))
    if not codes:
        raise SystemExit("The city has no reports to read.")

    def holder(role: str) -> Any:
        assignment = (
            RoleAssignment.objects.active()
            .filter(role=role, user__is_active=True, city=city)
            .select_related("user", "district")
            .order_by("pk")
            .first()
        )
        if assignment is None:
            raise SystemExit(f"No active {role} in the city: the data set must have one.")
        return assignment

    officer = holder(Role.DISTRICT_OFFICER)
    deputy = holder(Role.DEPUTY)
    resident = User.objects.filter(is_active=True, is_staff=False, assignments=None).order_by("pk").first()
    if resident is None:
        raise SystemExit("No resident account to file reports with.")
    district_neighborhoods = list(
        Neighborhood.objects.filter(district=officer.district).values_list("slug", flat=True)[:20]
    )
    recent = Report.objects.filter(city=city).order_by("-id").values_list("lat", "lng")[: SAMPLES * 5]
    points = [(float(lat), float(lng)) for lat, lng in recent if lat is not None]
    points = rng.sample(points, min(SAMPLES, len(points)))
    # Categories whose extra questions are all optional: intake sends no answers.
    category_slugs = [
        slug
        for slug, questions in city.report_categories.filter(is_active=True, children=None).values_list(
            "slug", "questions"
        )
        if not any(question.get("required") for question in questions or [])
    ][:10]
    staff_cookie = {"Cookie": _session_cookie(officer.user)}
    deputy_cookie = {"Cookie": _session_cookie(deputy.user)}
    token = _bearer(resident)
    intake_bodies = [
        json.dumps(
            {
                # Points of existing reports: inside a neighborhood, where people do report.
                "lat": lat,
                "lng": lng,
                "kind": "problem",
                "category": rng.choice(category_slugs) if category_slugs else None,
                "description": f"چراغ روشنایی کوچهٔ شمارهٔ {i} خاموش است و شب‌ها کوچه تاریک است.",
            },
            ensure_ascii=False,
        )
        for i, (lat, lng) in enumerate(points)
    ]
    jurisdiction = city.slug
    result = [
        Scenario("floor", [f"/bench/floor/{pk}/" for pk, _ in picked]),
        Scenario("neighborhood_page", [f"/n/{slug}/" for _, slug in picked]),
        Scenario("report_page", [f"/r/{code}/" for code in codes]),
        Scenario(
            "staff_inbox",
            [f"/workspace/inbox/?state=submitted&neighborhood={slug}" for slug in district_neighborhoods]
            + ["/workspace/inbox/?overdue=on", "/workspace/inbox/"],
            headers=staff_cookie,
        ),
        Scenario(
            "api_reports",
            [f"/api/v1/reports?neighborhood={slug}&state=in_progress" for _, slug in picked],
        ),
        Scenario(
            "intake",
            ["/api/v1/reports"],
            method="POST",
            bodies=intake_bodies,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            writes=True,
        ),
        Scenario("deputy_dashboard", ["/dashboards/"], headers=deputy_cookie),
        Scenario(
            "open311_requests",
            [f"/open311/v2/requests.json?jurisdiction_id={jurisdiction}&status=open"]
            + [f"/open311/v2/requests/{code}.json?jurisdiction_id={jurisdiction}" for code in codes[:20]],
        ),
        Scenario(
            "locate",
            [f"/api/v1/territory/locate?lat={lat:.6f}&lng={lng:.6f}" for lat, lng in points],
        ),
    ]
    facts = {"city": city.slug, "neighborhoods": len(neighborhoods), "reports": Report.objects.count()}
    return result, facts


def _outbox_check(before_id: int) -> dict[str, int]:
    """The reports intake created and how many of them lack their outbox row."""
    from django.db.models import Exists, OuterRef
    from django.db.models.fields.json import KT

    from mahalat.notifications.models import Notification
    from mahalat.reports.models import Report

    created = Report.objects.filter(pk__gt=before_id)
    lacking = created.exclude(
        Exists(
            Notification.objects.annotate(code=KT("context__tracking_code")).filter(
                code=OuterRef("tracking_code")
            )
        )
    )
    return {"reports": created.count(), "without_outbox_row": lacking.count()}


def wrk(base: str, scenario: Scenario, *, connections: int, seconds: float, threads: int) -> dict[str, Any]:
    script = LUA % {
        "paths": _lua_list(scenario.paths),
        "bodies": _lua_list(scenario.bodies),
        "method": scenario.method,
        "headers": _lua_table(scenario.headers),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as handle:
        handle.write(script)
    try:
        command = [
            "wrk",
            f"-t{max(1, min(threads, connections))}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            handle.name,
            base,
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)
    finally:
        os.unlink(handle.name)
    for line in output.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON ") :])
    raise SystemExit(f"wrk gave no result for {scenario.name}:\n{output.stdout}\n{output.stderr}")


def measure(base: str, scenario: Scenario, *, connections: int, args: argparse.Namespace) -> Result:
    if args.warmup > 0:
        wrk(base, scenario, connections=connections, seconds=args.warmup, threads=args.threads)
    raw = wrk(base, scenario, connections=connections, seconds=args.duration, threads=args.threads)
    seconds = raw["duration_us"] / 1e6
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"] + raw["bad"]
    return Result(
        scenario=scenario.name,
        connections=connections,
        requests=raw["requests"],
        seconds=round(seconds, 2),
        rps=round(raw["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors=errors,
        created=raw["created"],
    )


def _with(args: argparse.Namespace, **changes: Any) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), **changes})


def probe(base: str, scenario: Scenario) -> str:
    """One request of the scenario by hand, to say what its errors look like."""
    request = urllib.request.Request(
        base + scenario.paths[0],
        data=scenario.bodies[0].encode() if scenario.bodies else None,
        headers=scenario.headers,
        method=scenario.method,
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return f"{scenario.method} {scenario.paths[0]} answered {answer.status}"
    except urllib.error.HTTPError as exc:
        body = exc.read(300).decode("utf-8", errors="replace").replace("\n", " ")
        return f"{scenario.method} {scenario.paths[0]} answered {exc.code}: {body}"
    except OSError as exc:
        return f"{scenario.method} {scenario.paths[0]} failed: {exc}"


def prime(base: str, scenario: Scenario) -> float:
    """Ask for every sample path once, one at a time, as the visitors before the measured ones would have:
    with the answer cache on, the measurement then sees its steady state rather than 200 first visits
    crowded into the warm-up. Returns the seconds it took (the cost of those first visits)."""
    started = time.monotonic()
    for path in scenario.paths:
        request = urllib.request.Request(base + path, headers=scenario.headers)
        with (
            contextlib.suppress(urllib.error.HTTPError),
            urllib.request.urlopen(request, timeout=30) as answer,
        ):
            answer.read()
    return time.monotonic() - started


def calibrate(base: str, floor: Scenario, args: argparse.Namespace) -> int:
    """The largest power of two (up to --max-connections) at which the floor's p99 stays under 20 ms."""
    chosen = 1
    level = 1
    short = argparse.Namespace(**{**vars(args), "duration": 3})
    while level <= args.max_connections:
        result = measure(base, floor, connections=level, args=short)
        if result.p99_ms >= FLOOR_P99_LIMIT_MS and not result.errors:
            # One pause of the machine (a checkpoint, another process) must not set the level: ask twice.
            result = min(result, measure(base, floor, connections=level, args=short), key=lambda r: r.p99_ms)
        print(f"  floor at {level:>3} connections: {result.rps:>8.0f} req/s, p99 {result.p99_ms:.1f} ms")
        if result.p99_ms >= FLOOR_P99_LIMIT_MS or result.errors:
            break
        chosen = level
        level *= 2
    return chosen


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    with contextlib.suppress(OSError, IndexError):
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    from django.db import connection

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": memory,
        "system": platform.platform(),
        "python": platform.python_version(),
        "database": f"{connection.vendor} {_database_version(connection)}",
    }


def _database_version(connection: Any) -> str:
    if connection.vendor == "postgresql":
        number = connection.pg_version  # e.g. 150019
        return f"{number // 10000}.{number % 10000}"
    return str(connection.Database.sqlite_version)


def commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
        return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def start_server(env: dict[str, str], *, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(
        [
            gunicorn,
            "mahalat.wsgi",
            "--chdir",
            str(ROOT / "src"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    stop_server(process)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def problems_of(results: list[Result], *, intake: dict[str, int] | None) -> list[str]:
    """What makes the run fail: any scenario's errors, or intake losing a report or its outbox row.

    Warm-up requests create reports too, so the database must hold at least as many new reports as
    the measured run answered with 201, and every one of them its outbox row.
    """
    problems = [f"{r.scenario}: {r.errors} errors" for r in results if r.errors]
    if intake is not None and (
        intake["without_outbox_row"] or intake["reports"] < intake["answered_created"]
    ):
        problems.append(f"intake: {intake}")
    return problems


def verdict(result: Result, floor: Result | None) -> str:
    if result.scenario == "floor" or floor is None or result.share_of_floor is None:
        return ""
    if result.scenario == "intake":
        return "ok" if result.share_of_floor >= INTAKE_TARGET_SHARE and not result.errors else "below target"
    good = result.share_of_floor >= READ_TARGET_SHARE and result.p99_ms < READ_P99_TARGET_MS
    return "ok" if good else "below target"


def table(results: list[Result], floor: Result | None) -> str:
    lines = [
        f"{'scenario':<18} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'of floor':>8}  target",
    ]
    for r in results:
        share = f"{r.share_of_floor * 100:.0f} %" if r.share_of_floor is not None else ""
        lines.append(
            f"{r.scenario:<18} {r.connections:>5} {r.rps:>8.1f} {r.p50_ms:>8.1f} {r.p95_ms:>8.1f} "
            f"{r.p99_ms:>8.1f} {r.errors:>6} {share:>8}  {verdict(r, floor)}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""), required=False)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument(
        "--size", default="small", help="the data set: small, city, country (scale data) or demo"
    )
    parser.add_argument("--prepare", action="store_true", help="migrate and generate the data set if missing")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds each scenario is measured")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up before each scenario")
    parser.add_argument("--connections", default="auto", help="a number, or auto (calibrated on the floor)")
    parser.add_argument("--max-connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers")
    parser.add_argument("--scenarios", default="", help="comma-separated names (default: all)")
    parser.add_argument("--output", default=str(RESULTS_DIR))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-answer-cache",
        dest="answer_cache",
        action="store_false",
        help="render every public answer afresh (production keeps them for visitors)",
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    static_root = Path(tempfile.mkdtemp(prefix="mahalat-bench-static-"))
    env = server_env(args, static_root)
    if args.prepare:
        prepare(args, env)
    _run([*MANAGE, "collectstatic", "--noinput", "-v0"], env, quiet=True)
    _django(env)
    rng = random.Random(args.seed)
    all_scenarios, facts = scenarios(rng)
    wanted = {name for name in args.scenarios.split(",") if name}
    chosen = [s for s in all_scenarios if not wanted or s.name in wanted or s.name == "floor"]
    from mahalat.reports.models import Report

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkstemp(prefix="mahalat-bench-", suffix=".log")[1])
    print(f"gunicorn with {args.workers} workers on {base} (log {log})", flush=True)
    server = start_server(env, port=port, workers=args.workers, log=log)
    results: list[Result] = []
    diagnoses: dict[str, str] = {}
    intake_check: dict[str, int] | None = None
    first_visits: dict[str, float] = {}  # seconds to ask for every sample path once, before measuring
    try:
        floor_scenario = chosen[0]
        connections = (
            calibrate(base, floor_scenario, args) if args.connections == "auto" else int(args.connections)
        )
        print(f"load level: {connections} connections, {args.duration:g} s per scenario", flush=True)
        for scenario in chosen:
            before = Report.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            if args.answer_cache and scenario.method == "GET" and scenario.name != "floor":
                first_visits[scenario.name] = round(prime(base, scenario), 2)
            result = measure(base, scenario, connections=connections, args=args)
            results.append(result)
            print(
                f"  {scenario.name}: {result.rps:.1f} req/s, p99 {result.p99_ms:.1f} ms, "
                f"errors {result.errors}",
                flush=True,
            )
            if result.errors:
                diagnoses[scenario.name] = probe(base, scenario)
            if scenario.writes:
                intake_check = _outbox_check(before)
                intake_check["answered_created"] = result.created
    finally:
        stop_server(server)
    problems = problems_of(results, intake=intake_check)
    floor = next((r for r in results if r.scenario == "floor"), None)
    for r in results:
        if floor is not None and floor.rps and r.scenario != "floor":
            r.share_of_floor = round(r.rps / floor.rps, 3)
    print()
    print(table(results, floor))
    if intake_check is not None:
        print(f"intake: {intake_check}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{stamp}-{args.size}.json"
    path.write_text(
        json.dumps(
            {
                "when": stamp,
                "commit": commit(),
                "machine": machine(),
                "size": args.size,
                "data": facts,
                "workers": args.workers,
                "connections": connections,
                "duration_s": args.duration,
                "answer_cache": args.answer_cache,
                "first_visits_s": first_visits,
                "results": [asdict(r) for r in results],
                "intake": intake_check,
                "problems": problems,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"\nwritten to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    shutil.rmtree(static_root, ignore_errors=True)
    if problems:
        print("FAILED: " + "; ".join(problems), file=sys.stderr)
        for name, diagnosis in diagnoses.items():
            print(f"  {name}: {diagnosis}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
