"""Agency scorecard pages: one agency's figures in total, per sending district and per Jalali month, and
the city's agencies side by side (the deputy's comparison table), for a period chosen in Jalali dates.

Thin: the figures come from `referrals.scorecard`; who may see them is `referrals.view_scorecard`.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from mahalat.accounts.rules import has_permission, held_roles
from mahalat.persian.forms import JalaliDateField
from mahalat.referrals.models import Agency
from mahalat.referrals.scorecard import agency_scorecard, city_agencies_scorecard
from mahalat.territory.models import City


class PeriodForm(forms.Form):
    """The period, as `?from=1405/07/01&to=1405/09/30` (Jalali; either may be left out)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so the fields are added here rather than declared.
        self.fields["from"] = JalaliDateField(label=gettext_lazy("From"), required=False)
        self.fields["to"] = JalaliDateField(label=gettext_lazy("Until"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and end < start:
            self.add_error("to", _("The end of the period cannot be before its start."))
        return cleaned

    def period(self) -> tuple[date | None, date | None]:
        """The valid period; an invalid one (shown with its errors) counts as no limit."""
        if not self.is_bound or not self.is_valid():
            return None, None
        return self.cleaned_data.get("from"), self.cleaned_data.get("to")


def _period_query(form: PeriodForm) -> str:
    """The period as a query string, for links from the comparison table to each agency's page."""
    if not form.is_bound or not form.is_valid():
        return ""
    return urlencode({name: form.data[name] for name in ("from", "to") if form.data.get(name)})


@login_required
@require_GET
def scorecard_view(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = Agency.objects.select_related("city").filter(pk=agency_id).first()
    if agency is None:
        raise Http404(_("There is no such agency."))
    if not has_permission(request.user, "referrals.view_scorecard", agency):
        raise PermissionDenied(_("You do not have permission to do this here."))
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    card = agency_scorecard(agency=agency, start=start, end=end, now=timezone.now())
    return render(
        request,
        "referrals/scorecard.html",
        {
            "agency": agency,
            "card": card,
            "form": form,
            "compare": has_permission(request.user, "referrals.view_scorecard", agency.city),
        },
    )


def _city_of(request: HttpRequest) -> City:
    """`?city=<id>`, else the city of the person's roles (the first, for someone in several); a person
    with no role anywhere is refused."""
    wanted = request.GET.get("city", "")
    if wanted:
        city = City.objects.filter(pk=int(wanted)).first() if wanted.isdigit() and len(wanted) < 10 else None
    else:
        ids = sorted({h.scope.city_id for h in held_roles(request.user) if h.scope.city_id is not None})
        if not ids:
            raise PermissionDenied(_("You do not have permission to do this here."))
        city = City.objects.filter(pk=ids[0]).first()
    if city is None:
        raise Http404(_("There is no such city."))
    return city


@login_required
@require_GET
def scorecards_view(request: HttpRequest) -> HttpResponse:
    city = _city_of(request)
    if not has_permission(request.user, "referrals.view_scorecard", city):
        raise PermissionDenied(_("You do not have permission to do this here."))
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    rows = city_agencies_scorecard(city_id=city.pk, start=start, end=end, now=timezone.now())
    return render(
        request,
        "referrals/scorecards.html",
        {"city": city, "rows": rows, "form": form, "period_query": _period_query(form)},
    )
