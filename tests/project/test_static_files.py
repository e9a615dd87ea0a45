"""Static files in production: fingerprinted by `collectstatic` and sent with a long, immutable cache
lifetime by WhiteNoise, so a returning visitor on a slow connection downloads them once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

REPO = Path(__file__).resolve().parents[2]
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
ONE_YEAR = 31536000
HASHED_SITE_CSS = re.compile(r'href="(/static/mahalat/site\.[0-9a-f]{12}\.css)"')
HASHED_SCRIPT = re.compile(r'src="(/static/vendor/bootstrap/js/bootstrap\.bundle\.min\.[0-9a-f]{12}\.js)"')


class GzipOnlyManifestStorage(CompressedManifestStaticFilesStorage):
    """The production storage without its brotli pass, which alone takes most of a minute here; the
    fingerprints, the manifest and the gzip copies are made exactly as in production."""

    def create_compressor(self, **kwargs: object) -> Compressor:
        return Compressor(**{**kwargs, "use_brotli": False})


def _max_age(cache_control: str) -> int:
    match = re.search(r"max-age=(\d+)", cache_control)
    assert match, f"Cache-Control {cache_control!r} has no max-age"
    return int(match.group(1))


def test_production_settings_fingerprint_and_cache_static_files() -> None:
    """What the settings module chooses for MAHALAT_ENV=production (a subprocess: settings are read once)."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "STATIC_ROOT"}
    }
    env.update(
        {
            "MAHALAT_ENV": "production",
            "SECRET_KEY": "x7#" + "k2Lm9Pq4Rt8Vw1Yz5Bc3Df6Gh0Jn" * 3,
            "ALLOWED_HOSTS": "mahalat.example",
            "PYTHONPATH": str(REPO / "src"),
            "DJANGO_SETTINGS_MODULE": "mahalat.settings",
        }
    )
    code = (
        "from django.conf import settings as s; "
        "print(s.STORAGES['staticfiles']['BACKEND'], s.WHITENOISE_MAX_AGE, s.WHITENOISE_USE_FINDERS, s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [MANIFEST_STORAGE, str(ONE_YEAR), "False", "False"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`collectstatic` with the production storage into a temporary STATIC_ROOT, settings kept on."""
    root = tmp_path_factory.mktemp("static-root")
    production_static = override_settings(
        DEBUG=False,
        STATIC_ROOT=root,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": f"{__name__}.GzipOnlyManifestStorage"},
        },
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
        WHITENOISE_MAX_AGE=ONE_YEAR,
    )
    with production_static:
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def test_collectstatic_writes_fingerprinted_and_compressed_files(collected: Path) -> None:
    hashed = sorted(collected.glob("mahalat/site.*"))
    names = [p.name for p in hashed]
    assert any(re.fullmatch(r"site\.[0-9a-f]{12}\.css", n) for n in names), names
    assert any(n.endswith(".css.gz") for n in names), f"No gzip copy of site.css: {names}"
    assert (collected / "staticfiles.json").is_file()


@pytest.mark.django_db
def test_pages_reference_hashed_files_that_are_cached_for_long(collected: Path) -> None:
    client = Client()  # a fresh client loads the middleware (and WhiteNoise's file list) now
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    css = HASHED_SITE_CSS.search(html)
    script = HASHED_SCRIPT.search(html)
    linked = re.findall(r"/static/[^\"]+", html)
    assert css, f"The page does not link the fingerprinted site.css: {linked}"
    assert script, "The page does not load the fingerprinted Bootstrap script"
    assert 'href="/static/mahalat/site.css"' not in html

    for url in (css.group(1), script.group(1)):
        response = client.get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, url
        cache_control = response.headers["Cache-Control"]
        assert "immutable" in cache_control, f"{url}: {cache_control}"
        assert _max_age(cache_control) >= ONE_YEAR, f"{url}: {cache_control}"
        assert response.headers.get("Content-Encoding") == "gzip", f"{url} was not sent compressed"
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
        response.close()

    # The name without a fingerprint still works (an old cached page), but is not immutable.
    plain = client.get("/static/mahalat/site.css")
    assert plain.status_code == 200
    assert "immutable" not in plain.headers["Cache-Control"]
    b"".join(plain.streaming_content)  # type: ignore[attr-defined]
    plain.close()
