"""The city's registry of executive agencies and the service-level agreements with them.

- `/agencies/`: the city's agencies (name, kind, jurisdiction, liaisons, contact) for anyone holding a
  role in the city; contact details and liaisons only for those allowed `referrals.view_agency_details`.
- `/agencies/new/`, `/agencies/<id>/edit/`: the deputy (or the administrator) keeps the registry.
- `/agencies/<id>/`: one agency with its agreements and links to its scorecard and integration page.
- `/agencies/<id>/agreements/`, `/agreements/municipal/`: the agreements of an agency, or of referrals
  between municipal units; the deputy adds, changes and removes them, districts read them.

Thin: reads from `referrals.selectors` (and one bounded query for liaisons), writes through
`referrals.services` (which check permission again and word the messages).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.models import Role, RoleAssignment
from mahalat.accounts.rules import has_permission, held_roles, is_superuser
from mahalat.persian.digits import format_number, is_persian_active
from mahalat.referrals.models import Agency, ServiceAgreement
from mahalat.referrals.registry_forms import AgencyForm, AgreementForm
from mahalat.referrals.selectors import agencies_of_city, agreements_of
from mahalat.referrals.services import agency_save, agreement_delete, agreement_save
from mahalat.reports.models import Category
from mahalat.territory.models import City, District
from mahalat.worktime.models import DEFAULT_WORKDAY_END, DEFAULT_WORKDAY_START, WorkingSchedule

MANAGE_AGENCY = "referrals.manage_agency"
SET_AGREEMENT = "referrals.set_service_agreement"
DETAILS = "referrals.view_agency_details"
LIAISONS_SHOWN = 20

# --- who may look, and at which city --------------------------------------------------------------------


def _role_city_ids(user: Any) -> list[int]:
    return sorted({h.scope.city_id for h in held_roles(user) if h.scope.city_id is not None})


def _require_city_reader(user: Any, city_id: int) -> None:
    """The registry is for people holding a role in the city (and the superuser)."""
    if not (is_superuser(user) or city_id in _role_city_ids(user)):
        raise PermissionDenied(_("The agency registry is for the city's staff, councils and agencies."))


def _city_of(request: HttpRequest) -> City:
    """`?city=<id>`, else the city of the person's roles (the first, for someone in several)."""
    wanted = request.GET.get("city", "")
    if wanted:
        city = City.objects.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    else:
        ids = _role_city_ids(request.user)
        if not ids and not is_superuser(request.user):
            raise PermissionDenied(_("The agency registry is for the city's staff, councils and agencies."))
        city = City.objects.filter(pk__in=ids).order_by("pk").first() if ids else City.objects.first()
    if city is None:
        raise Http404(_("There is no such city."))
    _require_city_reader(request.user, city.pk)
    return city


def _agency_or_404(agency_id: int) -> Agency:
    agency = Agency.objects.select_related("city").prefetch_related("districts").filter(pk=agency_id).first()
    if agency is None:
        raise Http404(_("There is no such agency."))
    return agency


# --- what a page shows --------------------------------------------------------------------------------


def liaisons_of(agency_ids: list[int]) -> dict[int, list[Any]]:
    """The active liaisons of each agency, by agency id: one query whatever the number of agencies."""
    found: dict[int, list[Any]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    rows = (
        RoleAssignment.objects.active()
        .filter(role=Role.AGENCY_LIAISON, agency_id__in=agency_ids, user__is_active=True)
        .select_related("user")
        .order_by("agency_id", "user__full_name", "user_id")
    )
    for row in rows:
        key = (row.agency_id, row.user_id)
        if key in seen or len(found[row.agency_id]) >= LIAISONS_SHOWN:
            continue
        seen.add(key)
        found[row.agency_id].append(row.user)
    return found


def working_day_hours(city_id: int) -> float:
    """How many working hours a working day of the city has (Saturday to Wednesday). One query."""
    row = WorkingSchedule.objects.filter(city_id=city_id).values_list("workday_start", "workday_end").first()
    start, end = row or (DEFAULT_WORKDAY_START, DEFAULT_WORKDAY_END)
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return max(minutes, 60) / 60


def _number(value: float) -> str:
    whole = float(value).is_integer()
    return format_number(int(value) if whole else round(value, 1), persian=is_persian_active())


def working_time_label(hours: int, *, day_hours: float) -> str:
    """Working hours as a person reads them: "2 working days", "3 working hours", "2 working days and
    2 working hours" (a day being the city's working day)."""
    days = max(math.floor(hours / day_hours + 1e-9), 0)
    rest = max(round(hours - days * day_hours, 1), 0)
    day_text = (
        ngettext("%(count)s working day", "%(count)s working days", days) % {"count": _number(days)}
        if days
        else ""
    )
    hour_text = (
        ngettext("%(count)s working hour", "%(count)s working hours", math.ceil(rest))
        % {"count": _number(rest)}
        if rest or not days
        else ""
    )
    if day_text and hour_text:
        return _("%(days)s and %(hours)s") % {"days": day_text, "hours": hour_text}
    return day_text or hour_text


def _agreements(*, city_id: int, agency_id: int | None) -> list[ServiceAgreement]:
    return list(agreements_of(city_id=city_id, agency_id=agency_id))


@dataclass(frozen=True, slots=True)
class AgreementRow:
    agreement: ServiceAgreement
    acknowledge: str
    answer: str
    finish: str


def agreement_rows(agreements: list[ServiceAgreement], *, day_hours: float) -> list[AgreementRow]:
    return [
        AgreementRow(
            agreement=a,
            acknowledge=working_time_label(a.acknowledge_hours, day_hours=day_hours),
            answer=working_time_label(a.answer_hours, day_hours=day_hours),
            finish=working_time_label(a.finish_hours, day_hours=day_hours),
        )
        for a in agreements
    ]


def _scorecard_url(agency: Agency) -> str:
    try:
        return reverse("referrals:scorecard", kwargs={"agency_id": agency.pk})
    except NoReverseMatch:
        return f"/agencies/{agency.pk}/scorecard/"


def _integration_url(agency: Agency) -> str:
    try:
        return reverse("referrals:integration", kwargs={"agency_id": agency.pk})
    except NoReverseMatch:
        return f"/agencies/{agency.pk}/integration/"


# --- the registry ---------------------------------------------------------------------------------------


@login_required
@require_GET
def agency_list(request: HttpRequest) -> HttpResponse:
    city = _city_of(request)
    user = request.user
    may_manage = has_permission(user, MANAGE_AGENCY, city)
    # The deputy also sees agencies no longer active, to bring them back; the others only the active ones.
    agencies = list(agencies_of_city(city_id=city.pk, active_only=not may_manage))
    details = {a.pk: has_permission(user, DETAILS, a) for a in agencies}
    liaisons = liaisons_of([pk for pk, shown in details.items() if shown])
    rows = [{"agency": a, "details": details[a.pk], "liaisons": liaisons.get(a.pk, [])} for a in agencies]
    return render(
        request,
        "referrals/agency_list.html",
        {
            "city": city,
            "rows": rows,
            "may_manage": may_manage,
            "may_read_municipal": has_permission(user, DETAILS, city),
        },
    )


@login_required
@require_GET
def agency_detail(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _agency_or_404(agency_id)
    user = request.user
    _require_city_reader(user, agency.city_id)
    details = has_permission(user, DETAILS, agency)
    agreements: list[AgreementRow] = []
    if details:
        day_hours = working_day_hours(agency.city_id)
        agreements = agreement_rows(
            _agreements(city_id=agency.city_id, agency_id=agency.pk), day_hours=day_hours
        )
    return render(
        request,
        "referrals/agency_detail.html",
        {
            "agency": agency,
            "details": details,
            "liaisons": liaisons_of([agency.pk]).get(agency.pk, []) if details else [],
            "agreements": agreements,
            "may_manage": has_permission(user, MANAGE_AGENCY, agency.city),
            "may_set_agreements": has_permission(user, SET_AGREEMENT, agency.city),
            "scorecard_url": _scorecard_url(agency)
            if has_permission(user, "referrals.view_scorecard", agency)
            else "",
            "integration_url": _integration_url(agency)
            if has_permission(user, "referrals.manage_integration", agency)
            else "",
        },
    )


def _district_choices(city: City) -> list[tuple[str, str]]:
    return [(d.slug, str(d)) for d in District.objects.filter(city=city).order_by("number", "id")]


def _agency_page(
    request: HttpRequest, *, city: City, form: AgencyForm, agency: Agency | None, status: int = 200
) -> HttpResponse:
    return render(
        request, "referrals/agency_form.html", {"city": city, "form": form, "agency": agency}, status=status
    )


def _save_agency(
    request: HttpRequest, *, city: City, form: AgencyForm, agency: Agency | None
) -> Agency | None:
    """Save the valid form through the service; errors go onto the form (None is returned)."""
    data = form.cleaned_data
    slug = agency.slug if agency is not None else (data["slug"] or "").strip().lower()
    if agency is None and Agency.objects.filter(slug=slug).exists():
        # agency_save updates an existing code; a new agency must not overwrite another one.
        form.add_error("slug", _("Another agency already has this code."))
        return None
    try:
        saved, _created = agency_save(
            actor=request.user,
            city=city,
            slug=slug,
            name=data["name"],
            name_en=data["name_en"],
            kind=data["kind"],
            contact_person=data["contact_person"],
            contact_phone=data["contact_phone"],
            contact_email=data["contact_email"],
            address=data["address"],
            is_citywide=data["is_citywide"],
            district_slugs=list(data["districts"]),
            is_active=data["is_active"],
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None
    return saved


@login_required
@require_http_methods(["GET", "POST"])
def agency_create(request: HttpRequest) -> HttpResponse:
    city = _city_of(request)
    if not has_permission(request.user, MANAGE_AGENCY, city):
        raise PermissionDenied(_("Only the Cultural-Social Deputy keeps the registry of agencies."))
    districts = _district_choices(city)
    if request.method != "POST":
        form = AgencyForm(districts=districts, initial={"is_citywide": True, "is_active": True})
        return _agency_page(request, city=city, form=form, agency=None)
    form = AgencyForm(request.POST, districts=districts)
    saved = _save_agency(request, city=city, form=form, agency=None) if form.is_valid() else None
    if saved is None:
        return _agency_page(request, city=city, form=form, agency=None, status=400)
    messages.success(request, _("The agency %(name)s was added to the registry.") % {"name": saved})
    return redirect("referrals:agency", agency_id=saved.pk)


@login_required
@require_http_methods(["GET", "POST"])
def agency_edit(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _agency_or_404(agency_id)
    city = agency.city
    _require_city_reader(request.user, city.pk)
    if not has_permission(request.user, MANAGE_AGENCY, city):
        raise PermissionDenied(_("Only the Cultural-Social Deputy keeps the registry of agencies."))
    districts = _district_choices(city)
    if request.method != "POST":
        initial = {
            name: getattr(agency, name)
            for name in (
                "name",
                "name_en",
                "kind",
                "contact_person",
                "contact_phone",
                "contact_email",
                "address",
                "is_citywide",
                "is_active",
            )
        }
        initial["districts"] = [d.slug for d in agency.districts.all()]
        form = AgencyForm(districts=districts, editing=True, initial=initial)
        return _agency_page(request, city=city, form=form, agency=agency)
    form = AgencyForm(request.POST, districts=districts, editing=True)
    saved = _save_agency(request, city=city, form=form, agency=agency) if form.is_valid() else None
    if saved is None:
        return _agency_page(request, city=city, form=form, agency=agency, status=400)
    messages.success(request, _("The agency %(name)s was saved.") % {"name": saved})
    return redirect("referrals:agency", agency_id=saved.pk)


# --- the agreements -------------------------------------------------------------------------------------


def _category_choices(city_id: int) -> list[tuple[str, str]]:
    return [
        (str(c.pk), str(c))
        for c in Category.objects.filter(city_id=city_id).only("id", "name", "name_en").order_by("name", "id")
    ]


def _agreements_page(
    request: HttpRequest,
    *,
    city: City,
    agency: Agency | None,
    form: AgreementForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_set = has_permission(request.user, SET_AGREEMENT, city)
    day_hours = working_day_hours(city.pk)
    rows = agreement_rows(
        _agreements(city_id=city.pk, agency_id=agency.pk if agency else None), day_hours=day_hours
    )
    if may_set and form is None:
        form = AgreementForm(categories=_category_choices(city.pk))
    return render(
        request,
        "referrals/agreements.html",
        {
            "city": city,
            "agency": agency,
            "rows": rows,
            "form": form if may_set else None,
            "may_set": may_set,
            "day_hours": _number(day_hours),
        },
        status=status,
    )


def _agreements_url(agency: Agency | None, city: City) -> str:
    if agency is not None:
        return reverse("referrals:agreements", kwargs={"agency_id": agency.pk})
    return reverse("referrals:agreements") + f"?city={city.pk}"


def _add_agreement(request: HttpRequest, *, city: City, agency: Agency | None) -> HttpResponse:
    if not has_permission(request.user, SET_AGREEMENT, city):
        raise PermissionDenied(_("Only the Cultural-Social Deputy sets the service-level agreements."))
    form = AgreementForm(request.POST, categories=_category_choices(city.pk))
    if not form.is_valid():
        return _agreements_page(request, city=city, agency=agency, form=form, status=400)
    category_id = form.cleaned_data["category"]
    category = Category.objects.filter(pk=int(category_id), city=city).first() if category_id else None
    body = {"agency": agency} if agency is not None else {"agency__isnull": True, "city": city}
    same = ServiceAgreement.objects.filter(**body)
    same = same.filter(category=category) if category is not None else same.filter(category__isnull=True)
    if same.exists():
        # agreement_save would change the existing row: adding must not overwrite it silently.
        form.add_error(
            "category", _("There is already an agreement for this category; change that one instead.")
        )
        return _agreements_page(request, city=city, agency=agency, form=form, status=400)
    try:
        agreement_save(
            actor=request.user,
            city=city,
            agency=agency,
            category=category,
            acknowledge_hours=form.cleaned_data["acknowledge_hours"],
            answer_hours=form.cleaned_data["answer_hours"],
            finish_hours=form.cleaned_data["finish_hours"],
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _agreements_page(request, city=city, agency=agency, form=form, status=400)
    messages.success(request, _("The agreement was added."))
    return redirect(_agreements_url(agency, city))


@login_required
@require_http_methods(["GET", "POST"])
def agency_agreements(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _agency_or_404(agency_id)
    if not has_permission(request.user, DETAILS, agency):
        raise PermissionDenied(_("You do not have permission to do this here."))
    if request.method == "POST":
        return _add_agreement(request, city=agency.city, agency=agency)
    return _agreements_page(request, city=agency.city, agency=agency)


@login_required
@require_http_methods(["GET", "POST"])
def municipal_agreements(request: HttpRequest) -> HttpResponse:
    city = _city_of(request)
    if not has_permission(request.user, DETAILS, city):
        raise PermissionDenied(_("You do not have permission to do this here."))
    if request.method == "POST":
        return _add_agreement(request, city=city, agency=None)
    return _agreements_page(request, city=city, agency=None)


def _agreement_or_404(request: HttpRequest, agreement_id: int) -> ServiceAgreement:
    agreement = (
        ServiceAgreement.objects.select_related("city", "agency", "category").filter(pk=agreement_id).first()
    )
    if agreement is None:
        raise Http404(_("There is no such agreement."))
    if not has_permission(request.user, SET_AGREEMENT, agreement.city):
        raise PermissionDenied(_("Only the Cultural-Social Deputy sets the service-level agreements."))
    return agreement


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _agreement_or_404(request, agreement_id)
    context: dict[str, Any] = {
        "agreement": agreement,
        "back": _agreements_url(agreement.agency, agreement.city),
        "day_hours": _number(working_day_hours(agreement.city_id)),
    }
    if request.method != "POST":
        form = AgreementForm(
            initial={
                "acknowledge_hours": agreement.acknowledge_hours,
                "answer_hours": agreement.answer_hours,
                "finish_hours": agreement.finish_hours,
            }
        )
        return render(request, "referrals/agreement_form.html", {**context, "form": form})
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            agreement_save(
                actor=request.user,
                city=agreement.city,
                agency=agreement.agency,
                category=agreement.category,
                acknowledge_hours=form.cleaned_data["acknowledge_hours"],
                answer_hours=form.cleaned_data["answer_hours"],
                finish_hours=form.cleaned_data["finish_hours"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The agreement was saved."))
            return redirect(context["back"])
    return render(request, "referrals/agreement_form.html", {**context, "form": form}, status=400)


@login_required
@require_POST
def agreement_remove(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _agreement_or_404(request, agreement_id)
    back = _agreements_url(agreement.agency, agreement.city)
    agreement_delete(actor=request.user, agreement=agreement)
    messages.success(request, _("The agreement was removed; new referrals use the default."))
    return redirect(back)
