"""The monthly PDF report of a district, for the readers of its early warnings (the deputy, the city
council and administrators of the city; the district's staff)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mahalat.accounts.rules import require_permission
from mahalat.insights.periods import Month, month_of, month_text, parse_month
from mahalat.insights.reports import district_report_pdf
from mahalat.territory.models import District


def report_month(text: str) -> Month:
    """The month of the URL (Persian digits accepted); 404 when malformed or still to come."""
    try:
        month = parse_month(text, field="month")
    except ValidationError as exc:
        raise Http404(_("There is no report for this month.")) from exc
    if month > month_of(timezone.now()):
        raise Http404(_("There is no report for a month still to come."))
    return month


@require_GET
def district_report_view(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    wanted = report_month(month)
    district = District.objects.select_related("city").filter(slug=slug).first()
    if district is None:
        raise Http404(_("There is no such district."))
    require_permission(request.user, "insights.view_early_warnings", district)
    response = HttpResponse(
        district_report_pdf(district=district, month=wanted), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="report-{district.slug}-{month_text(wanted)}.pdf"'
    # Internal figures: never in a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response
