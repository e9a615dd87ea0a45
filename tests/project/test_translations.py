"""Every user-facing string has a Persian translation, and the compiled catalogue is current."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "mahalat"
PO = PACKAGE / "locale" / "fa" / "LC_MESSAGES" / "django.po"
MO = PACKAGE / "locale" / "fa" / "LC_MESSAGES" / "django.mo"


def test_every_string_in_the_code_is_translated_to_persian(tmp_path: Path) -> None:
    """Run makemessages on a copy of the package and look for anything new or fuzzy."""
    copy = tmp_path / "mahalat"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("vendor", "__pycache__", "*.mo"))
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "mahalat.settings",
        "MAHALAT_ENV": "test",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "fa", "--no-location", "--no-obsolete"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    fresh = polib.pofile(str(copy / "locale" / "fa" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in fresh if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert not missing, "strings without a Persian translation (run `make messages`):\n" + "\n".join(missing)


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    po = polib.pofile(str(PO))
    mo = polib.mofile(str(MO))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo}
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in po
        if e.translated() and not e.obsolete
    }
    stale = {k for k in source if compiled.get(k) != source[k]}
    assert not stale, f"django.mo is out of date for {len(stale)} entries: run `make messages`"


def test_no_entry_is_fuzzy_or_empty() -> None:
    po = polib.pofile(str(PO))
    assert po.percent_translated() == 100
    assert not po.fuzzy_entries()
