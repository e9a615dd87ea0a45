"""Browser tests: a real demo server and Debian's chromium driven by Playwright.

The server is a separate `manage.py runserver` process on a throwaway SQLite database in a temporary
directory, loaded with the demo city. It deliberately does not use pytest-django's `live_server` or a
transactional test database: these tests never touch the database in the test process (so they need no
`db` fixture), and the audit log refuses deletes, which a transactional flush would need.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MANAGE_PY = REPO_ROOT / "manage.py"
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
SCREENSHOTS_DIR = ARTIFACTS_DIR / "screenshots"

CHROMIUM_DEFAULT = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

MIGRATE_TIMEOUT = 600
DEMO_TIMEOUT = 900
SERVER_START_TIMEOUT = 90
LOG_TAIL_CHARS = 6000


@dataclass
class DemoServer:
    """The running demo server: its base URL, its log and the demo accounts it was loaded with."""

    base_url: str
    log_path: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    accounts: list[dict[str, Any]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_tail(self, chars: int = LOG_TAIL_CHARS) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return f"(could not read the server log {self.log_path}: {exc})"
        return text[-chars:]

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as handle:
                handle.seek(offset)
                return handle.read().decode("utf-8", errors="replace")
        except OSError as exc:
            return f"(could not read the server log {self.log_path}: {exc})"

    def account(self, role: str) -> dict[str, Any]:
        for account in self.accounts:
            if account.get("role") == role:
                return account
        roles = ", ".join(sorted(str(a.get("role")) for a in self.accounts))
        pytest.fail(f"`demo_accounts --json` lists no {role!r} account (it lists: {roles}).")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Whatever database and cache the rest of the run uses, the demo server gets its own.
    for name in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "MAHALAT_HOME", "STATIC_ROOT", "MEDIA_ROOT"):
        env.pop(name, None)
    env.update(
        {
            "MAHALAT_ENV": "test",
            "MAHALAT_VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{var_dir / 'browser.sqlite3'}",
            # DEBUG makes WhiteNoise serve static files straight from the apps (no collectstatic).
            "DEBUG": "1",
            "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8",
            "LOG_LEVEL": "INFO",
        }
    )
    return env


def _manage(
    args: list[str], *, env: dict[str, str], timeout: float, log_path: Path
) -> subprocess.CompletedProcess[str]:
    """Run one management command; fail the session with its output if it fails."""
    command = [sys.executable, str(MANAGE_PY), *args]
    started = time.monotonic()
    try:
        result = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"`manage.py {' '.join(args)}` did not finish in {timeout:.0f}s.\n{exc.stdout or ''}")
    with log_path.open("a", encoding="utf-8") as log:
        log.write(
            f"$ manage.py {' '.join(args)}  ({time.monotonic() - started:.1f}s, exit {result.returncode})\n"
        )
        log.write(result.stdout)
        log.write(result.stderr)
    if result.returncode != 0:
        pytest.fail(
            f"`manage.py {' '.join(args)}` failed with exit code {result.returncode}.\n"
            f"--- stdout ---\n{result.stdout[-LOG_TAIL_CHARS:]}\n"
            f"--- stderr ---\n{result.stderr[-LOG_TAIL_CHARS:]}"
        )
    return result


def _parse_accounts(stdout: str) -> list[dict[str, Any]]:
    try:
        accounts = json.loads(stdout)
    except json.JSONDecodeError:
        # Tolerate log lines around the JSON document.
        match = re.search(r"^\[.*\]\s*$", stdout, flags=re.DOTALL | re.MULTILINE)
        if match is None:
            pytest.fail(
                f"`manage.py demo_accounts --json` did not print a JSON list:\n{stdout[-LOG_TAIL_CHARS:]}"
            )
        accounts = json.loads(match.group(0))
    if not isinstance(accounts, list) or not accounts:
        pytest.fail(f"`manage.py demo_accounts --json` printed no accounts: {stdout[-LOG_TAIL_CHARS:]}")
    for account in accounts:
        missing = {"role", "phone", "password"} - set(account)
        if missing:
            pytest.fail(f"A demo account lacks {sorted(missing)}: {account}")
    return accounts


def _wait_until_serving(server: DemoServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error: str = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"The demo server exited with code {server.process.returncode} while starting.\n"
                f"{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(server.url("/"), timeout=5) as response:
                response.read()
            return
        except urllib.error.HTTPError as exc:
            # It answers; the page itself is the tests' business.
            last_error = f"HTTP {exc.code}"
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last_error = repr(exc)
        time.sleep(0.25)
    pytest.fail(
        f"The demo server did not answer on {server.base_url} within {SERVER_START_TIMEOUT}s "
        f"(last error: {last_error}).\n{server.log_tail()}"
    )


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A `runserver` on a fresh SQLite database holding the demo city, for the whole session.

    Needs no `db` fixture: the test process never opens this database; everything goes over HTTP.
    """
    var_dir = tmp_path_factory.mktemp("browser-var")
    log_path = var_dir / "server.log"
    env = _server_env(var_dir)

    _manage(["migrate", "--noinput"], env=env, timeout=MIGRATE_TIMEOUT, log_path=log_path)
    # The year of demo reports takes minutes here; the journeys make the reports they need.
    _manage(
        ["load_demo_city", "--no-progress", "--no-reports"], env=env, timeout=DEMO_TIMEOUT, log_path=log_path
    )
    listed = _manage(["demo_accounts", "--json"], env=env, timeout=MIGRATE_TIMEOUT, log_path=log_path)
    accounts = _parse_accounts(listed.stdout)

    port = _free_port()
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, str(MANAGE_PY), "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    server = DemoServer(
        base_url=f"http://127.0.0.1:{port}", log_path=log_path, env=env, process=process, accounts=accounts
    )
    try:
        _wait_until_serving(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH", CHROMIUM_DEFAULT)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(
            f"Chromium is not at {path!r}. The browser tests need Debian's chromium "
            "(apt-get install chromium) or CHROMIUM_PATH pointing at a chromium binary; "
            "they never download a browser and never skip.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class PageProblems:
    """What went wrong in the browser while a test ran: server errors, failed requests, console errors."""

    server_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines: list[str] = []
        for title, items in (
            ("responses with a 5xx status", self.server_errors),
            ("failed requests", self.failed_requests),
            ("console errors", self.console_errors),
            ("uncaught page errors", self.page_errors),
        ):
            if items:
                lines.append(f"{title}:")
                lines.extend(f"  - {item}" for item in items)
        return "\n".join(lines)


def _watch(page: Any, problems: PageProblems) -> None:
    def on_response(response: Any) -> None:
        if response.status >= 500:
            problems.server_errors.append(f"{response.status} {response.request.method} {response.url}")
        elif response.status >= 400 and response.request.resource_type != "document":
            problems.failed_requests.append(f"{response.status} {response.request.method} {response.url}")

    def on_request_failed(request: Any) -> None:
        # A page that navigates away cancels what it was still loading (often its favicon): the browser
        # reports those as aborted, which is no fault of the page.
        if "ERR_ABORTED" in str(request.failure or ""):
            return
        problems.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def on_console(message: Any) -> None:
        source = str(message.location.get("url", ""))
        if message.type == "error":
            problems.console_errors.append(f"{message.text} ({source})")

    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.page_errors.append(str(error)))


@dataclass
class BrowserSession:
    """A fresh browser context (its own cookies) with helpers; `new_page` watches each page for problems."""

    browser: Any
    server: DemoServer
    problems: PageProblems = field(default_factory=PageProblems)
    contexts: list[Any] = field(default_factory=list)

    def new_page(self, *, width: int = 1280, height: int = 900, locale: str | None = None) -> Any:
        options: dict[str, Any] = {
            "viewport": {"width": width, "height": height},
            "base_url": self.server.base_url,
        }
        if locale is not None:
            options["locale"] = locale
        context = self.browser.new_context(**options)
        context.set_default_timeout(15_000)
        context.set_default_navigation_timeout(30_000)
        self.contexts.append(context)
        page = context.new_page()
        _watch(page, self.problems)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


WEB_SESSION_KEY = pytest.StashKey["tuple[BrowserSession, int]"]()
CALL_REPORT_KEY = pytest.StashKey[pytest.TestReport]()


def _problems_report(opened: BrowserSession, log_offset: int) -> str:
    return (
        f"{opened.problems.summary()}\n\n--- server output during the test ---\n"
        f"{opened.server.log_since(log_offset)[-LOG_TAIL_CHARS:]}"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Keep the test's own report; if it failed, add what the browser saw to it."""
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[CALL_REPORT_KEY] = report
        web_session = item.stash.get(WEB_SESSION_KEY, None)
        if report.failed and web_session is not None and web_session[0].problems.summary():
            report.sections.append(("what the browser saw", _problems_report(*web_session)))
    return report


@pytest.fixture
def web(request: pytest.FixtureRequest, browser: Any, demo_server: DemoServer) -> Iterator[BrowserSession]:
    """Fresh browser contexts for one test.

    A test that passes still fails if a page hit a server error, a missing file, a console error or an
    uncaught script error on the way; a test that fails gets those added to its report.
    """
    log_offset = demo_server.log_size()
    opened = BrowserSession(browser=browser, server=demo_server)
    request.node.stash[WEB_SESSION_KEY] = (opened, log_offset)
    try:
        yield opened
    finally:
        opened.close()
    call_report = request.node.stash.get(CALL_REPORT_KEY, None)
    if opened.problems.summary() and call_report is not None and call_report.passed:
        pytest.fail(f"The browser saw problems:\n{_problems_report(opened, log_offset)}", pytrace=False)


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS_DIR
