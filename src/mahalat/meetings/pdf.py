"""The minutes as a PDF in Persian: an HTML template rendered by WeasyPrint, right to left, in the
vendored Vazirmatn font (loaded by file URL, so nothing is fetched from the network).

Generated on each request from the rows: a PDF can never be staler than the minutes themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from mahalat.accounts.rules import require_permission
from mahalat.meetings.models import Minutes, MinutesState
from mahalat.meetings.selectors import MeetingView, meeting_view


def _font_url(name: str) -> str:
    found = finders.find(f"vendor/vazirmatn/fonts/{name}")
    if not found:
        raise FileNotFoundError(f"The vendored font {name} is missing from the static files.")
    return Path(found).resolve().as_uri()


def minutes_pdf(*, view: MeetingView, request: Any = None) -> bytes:
    """The PDF of a meeting's minutes (public or internal, as the view was built). Always in Persian:
    minutes are the council's official record, kept in its language."""
    from weasyprint import HTML  # heavy; imported only when a PDF is asked for

    with translation.override("fa"):
        html = render_to_string(
            "meetings/minutes_pdf.html",
            {
                "view": view,
                "meeting": view.meeting,
                "font_regular": _font_url("Vazirmatn-Regular.woff2"),
                "font_bold": _font_url("Vazirmatn-Bold.woff2"),
            },
        )
    base_url = Path(__file__).resolve().parent.as_uri()
    return HTML(string=html, base_url=base_url).write_pdf()


def minutes_pdf_for(*, user: Any, meeting: Any, internal: bool) -> bytes:
    """The PDF a person may have: the public version once the minutes are published (404 before), the
    internal one (private items included) only with `meetings.view_private_items` (403 otherwise)."""
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if internal:
        require_permission(user, "meetings.view_private_items", meeting)
        if minutes is None:
            raise Http404(_("This meeting has no minutes yet."))
    elif minutes is None or minutes.state != MinutesState.PUBLISHED:
        raise Http404(_("The minutes of this meeting are not published yet."))
    return minutes_pdf(view=meeting_view(user=user, meeting=meeting, internal=internal))
