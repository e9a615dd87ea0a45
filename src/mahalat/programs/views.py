"""Program pages: the city's calendar, a neighborhood's programs and a program's public page; the staff
list, the program form, and a program's staff page (mark held, cancel, photos). Thin: reads from
selectors, writes through services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jdatetime
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.models import COUNCIL_ROLES, DISTRICT_ROLES, Role
from mahalat.accounts.rules import held_roles
from mahalat.councils.models import Council
from mahalat.errors import ConflictError
from mahalat.persian.digits import localize_digits
from mahalat.persian.jalali import (
    format_jalali_date,
    jalali_month_bounds,
    jalali_month_name,
    jalali_weekday_name,
)
from mahalat.programs import selectors
from mahalat.programs.forms import CancelForm, HeldForm, PhotoForm, ProgramForm, StaffFilterForm, parse_month
from mahalat.programs.models import OrganizerKind, Program, ProgramPhoto, ProgramState
from mahalat.programs.selectors import ProgramFilters
from mahalat.programs.services import (
    CURRENT_COUNCIL_STATES,
    may_write,
    program_cancel,
    program_mark_held,
    program_photo_add,
    program_photo_remove,
    program_save,
)
from mahalat.referrals.models import Agency
from mahalat.territory.models import City, Neighborhood
from mahalat.territory.selectors import city_list, neighborhood_get

PUBLIC_PAGE_SIZE = 20
STAFF_PAGE_SIZE = 30
UPCOMING_LIMIT = 20


def _query_without_page(request: HttpRequest) -> str:
    query: QueryDict = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


# --- public -------------------------------------------------------------------------------------------


def _calendar_city(request: HttpRequest) -> City | None:
    slug = request.GET.get("city")
    if slug:
        found = City.objects.filter(slug=slug).first()
        if found is None:
            raise Http404(_("There is no city “%(slug)s”.") % {"slug": slug})
        return found
    cities = list(city_list()[:2])
    return cities[0] if len(cities) == 1 else None


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """A Jalali month of the city's programs: a month grid and the same programs as a list."""
    city = _calendar_city(request)
    if city is None:
        return render(request, "programs/cities.html", {"cities": city_list()})
    today = jdatetime.date.fromgregorian(date=timezone.localdate())
    year, month = parse_month(request.GET.get("month")) or (today.year, today.month)
    programs = selectors.calendar_month(city_id=city.pk, year=year, month=month)
    first, _after = jalali_month_bounds(year=year, month=month)
    saturday = first - timedelta(days=(first.weekday() + 2) % 7)
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return render(
        request,
        "programs/calendar.html",
        {
            "city": city,
            "title": f"{jalali_month_name(month)} {localize_digits(year)}",
            "weeks": selectors.month_grid(year=year, month=month, programs=programs),
            "programs": programs,
            "weekday_names": [jalali_weekday_name(saturday + timedelta(days=i)) for i in range(7)],
            "previous": _month_key(*previous),
            "following": _month_key(*following),
            "previous_label": f"{jalali_month_name(previous[1])} {localize_digits(previous[0])}",
            "following_label": f"{jalali_month_name(following[1])} {localize_digits(following[0])}",
            "several_cities": City.objects.count() > 1,
        },
    )


@require_GET
def neighborhood_list(request: HttpRequest, slug: str) -> HttpResponse:
    neighborhood = neighborhood_get(slug=slug)
    qs = selectors.neighborhood_programs(neighborhood_id=neighborhood.pk)
    upcoming = list(
        qs.filter(state=ProgramState.PLANNED, ends_at__gte=timezone.now()).order_by("starts_at", "id")[
            :UPCOMING_LIMIT
        ]
    )
    page = Paginator(qs.exclude(pk__in=[p.pk for p in upcoming]), PUBLIC_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "programs/neighborhood.html",
        {"neighborhood": neighborhood, "upcoming": upcoming, "page": page, "page_query": ""},
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.program_get(pk=pk)
    return render(
        request,
        "programs/detail.html",
        {
            "program": program,
            "photos": [] if program.is_cancelled else list(program.photos.all()),
            "may_work": may_write(request.user, program),
        },
    )


# --- staff --------------------------------------------------------------------------------------------


def _require_staff(user: Any) -> None:
    if not (user.is_superuser or held_roles(user)):
        raise PermissionDenied(_("The programs' pages are for councils and municipal staff."))


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    neighborhoods = selectors.staff_neighborhoods(user=request.user)
    form = StaffFilterForm(
        request.GET or None, neighborhoods=[(n.slug, n.display_name) for n in neighborhoods]
    )
    if form.is_bound:
        form.is_valid()
    filters = ProgramFilters(
        state=form.value_of("state"),
        kind=form.value_of("kind"),
        neighborhood=form.value_of("neighborhood"),
        month=form.value_of("month"),
    )
    qs = selectors.staff_program_list(user=request.user, filters=filters)
    page = Paginator(qs, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "programs/staff_list.html",
        {
            "form": form,
            "page": page,
            "page_query": _query_without_page(request),
            "may_create": bool(_Options.of(request.user).neighborhoods),
        },
    )


@dataclass
class _Options:
    """What the program form offers a person: the neighborhoods they may organize for, and organizers."""

    neighborhoods: list[Neighborhood]
    councils: list[Council]
    agencies: list[Agency]
    council_only: bool

    @classmethod
    def of(cls, user: Any) -> _Options:
        operations, council = Q(pk__in=[]), Q(pk__in=[])
        for held in held_roles(user):
            if held.role in DISTRICT_ROLES:
                operations |= Q(district_id=held.scope.district_id)
            elif held.role == Role.AREA_OFFICER:
                operations |= Q(area_id=held.scope.area_id)
            elif held.role in COUNCIL_ROLES and held.role != Role.COUNCIL_MEMBER:
                council |= Q(pk=held.scope.neighborhood_id)
        neighborhoods = list(
            Neighborhood.objects.filter(operations | council)
            .select_related("district")
            .order_by("district__number", "name", "id")
        )
        council_only = not Neighborhood.objects.filter(operations).exists()
        ids = [n.pk for n in neighborhoods]
        councils = list(
            Council.objects.filter(neighborhood_id__in=ids, state__in=CURRENT_COUNCIL_STATES)
            .select_related("neighborhood")
            .order_by("neighborhood__name", "id")
        )
        city_ids = {n.city_id for n in neighborhoods}
        agencies = list(Agency.objects.filter(city_id__in=city_ids, is_active=True).order_by("name", "id"))
        return cls(
            neighborhoods=neighborhoods, councils=councils, agencies=agencies, council_only=council_only
        )

    def form(self, *args: Any, **kwargs: Any) -> ProgramForm:
        several_districts = len({n.district_id for n in self.neighborhoods}) > 1
        return ProgramForm(
            *args,
            neighborhoods=[
                (
                    n.slug,
                    f"{n.display_name} ({n.district})" if several_districts else n.display_name,
                )
                for n in self.neighborhoods
            ],
            councils=[
                (c.pk, str(_("The council of %(neighborhood)s") % {"neighborhood": c.neighborhood}))
                for c in self.councils
            ],
            agencies=[(a.slug, str(a)) for a in self.agencies],
            organizer_kinds=[(OrganizerKind.COUNCIL.value, OrganizerKind.COUNCIL.label)]
            if self.council_only
            else None,
            **kwargs,
        )


def _save_from(
    request: HttpRequest, form: ProgramForm, options: _Options, program: Program | None
) -> Program:
    """Hand the form's values to the service; raises its ValidationError or PermissionDenied."""
    data = form.cleaned_data
    by_slug = {n.slug: n for n in options.neighborhoods}
    chosen = [by_slug[slug] for slug in data["neighborhoods"] if slug in by_slug]
    if program is not None:
        district = program.district
    elif chosen:
        district = chosen[0].district
    else:
        raise ValidationError({"neighborhoods": [_("Choose at least one neighborhood.")]})
    starts_at, ends_at = form.times()
    councils = {c.pk: c for c in options.councils}
    agencies = {a.slug: a for a in options.agencies}
    return program_save(
        actor=request.user,
        program=program,
        district=district,
        neighborhoods=chosen,
        kind=data["kind"],
        title=data["title"],
        description=data.get("description", ""),
        starts_at=starts_at,
        ends_at=ends_at,
        place=data["place"],
        lat=data.get("lat") or None,
        lng=data.get("lng") or None,
        organizer_kind=data["organizer_kind"],
        organizer_council=councils.get(data.get("organizer_council") or 0),
        organizer_agency=agencies.get(data.get("organizer_agency") or ""),
        organizer_name=data.get("organizer_name", ""),
        planned_budget=data.get("planned_budget") or 0,
    )


def _form_page(
    request: HttpRequest, form: ProgramForm, program: Program | None, *, status: int = 200
) -> HttpResponse:
    return render(request, "programs/form.html", {"form": form, "program": program}, status=status)


def _handle_form(request: HttpRequest, options: _Options, program: Program | None) -> HttpResponse:
    form = options.form(request.POST)
    if not form.is_valid():
        return _form_page(request, form, program, status=400)
    try:
        saved = _save_from(request, form, options, program)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _form_page(request, form, program, status=400)
    except ConflictError as exc:
        messages.error(request, exc.message)
        return redirect("programs:staff-detail", pk=program.pk if program else 0)
    messages.success(request, _("The program “%(title)s” was saved.") % {"title": saved.title})
    return redirect("programs:staff-detail", pk=saved.pk)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    options = _Options.of(request.user)
    if not options.neighborhoods:
        raise PermissionDenied(_("You cannot organize programs."))
    if request.method == "POST":
        return _handle_form(request, options, None)
    initial = {"organizer_kind": OrganizerKind.COUNCIL if options.council_only else OrganizerKind.DISTRICT}
    return _form_page(request, options.form(initial=initial), None)


def _staff_program(request: HttpRequest, pk: int) -> Program:
    _require_staff(request.user)
    program = selectors.staff_program_list(user=request.user).select_related("city").filter(pk=pk).first()
    if program is None:
        raise Http404(_("There is no such program among those you follow."))
    return program


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    program = _staff_program(request, pk)
    if not may_write(request.user, program):
        raise PermissionDenied(_("You do not have permission to do this here."))
    if not program.is_planned:
        messages.error(request, _("Only a planned program can be changed."))
        return redirect("programs:staff-detail", pk=program.pk)
    options = _Options.of(request.user)
    if request.method == "POST":
        return _handle_form(request, options, program)
    start, end = timezone.localtime(program.starts_at), timezone.localtime(program.ends_at)
    initial = {
        "kind": program.kind,
        "title": program.title,
        "description": program.description,
        "neighborhoods": [n.slug for n in program.neighborhoods.all()],
        "start_date": start.date(),
        "start_time": start.time().replace(second=0, microsecond=0),
        "end_date": end.date() if end.date() != start.date() else None,
        "end_time": end.time().replace(second=0, microsecond=0),
        "place": program.place,
        "lat": "" if program.lat is None else program.lat,
        "lng": "" if program.lng is None else program.lng,
        "organizer_kind": program.organizer_kind,
        "organizer_council": program.organizer_council_id,
        "organizer_agency": getattr(program.organizer_agency, "slug", ""),
        "organizer_name": program.organizer_name,
        "planned_budget": program.planned_budget,
    }
    return _form_page(request, options.form(initial=initial), program)


def _staff_page(
    request: HttpRequest,
    program: Program,
    *,
    held_form: HeldForm | None = None,
    cancel_form: CancelForm | None = None,
    photo_form: PhotoForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may = may_write(request.user, program)
    return render(
        request,
        "programs/staff_detail.html",
        {
            "program": program,
            "photos": list(ProgramPhoto.objects.filter(program=program).order_by("position", "id")),
            "may_work": may,
            "held_form": held_form or (HeldForm() if may and program.is_planned else None),
            "cancel_form": cancel_form or (CancelForm() if may and program.is_planned else None),
            "photo_form": photo_form or (PhotoForm() if may and not program.is_cancelled else None),
            "starts_label": format_jalali_date(program.starts_at, style="long"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = _staff_program(request, pk)
    if request.method == "GET":
        return _staff_page(request, program)
    if not may_write(request.user, program):
        raise PermissionDenied(_("You do not have permission to do this here."))
    action = request.POST.get("action", "")
    try:
        if action == "held":
            form: Any = HeldForm(request.POST, request.FILES)
            if not form.is_valid():
                return _staff_page(request, program, held_form=form, status=400)
            program_mark_held(
                actor=request.user,
                program=program,
                participants=form.cleaned_data["participants"],
                spent_budget=form.cleaned_data["spent_budget"],
                outcome=form.cleaned_data.get("outcome", ""),
                photos=form.cleaned_data.get("photos") or [],
            )
            messages.success(request, _("The program was marked held."))
        elif action == "cancel":
            form = CancelForm(request.POST)
            if not form.is_valid():
                return _staff_page(request, program, cancel_form=form, status=400)
            program_cancel(actor=request.user, program=program, reason=form.cleaned_data["reason"])
            messages.success(request, _("The program was cancelled."))
        elif action == "photo-add":
            form = PhotoForm(request.POST, request.FILES)
            if not form.is_valid():
                return _staff_page(request, program, photo_form=form, status=400)
            program_photo_add(actor=request.user, program=program, image=form.cleaned_data["image"])
            messages.success(request, _("The photo was added."))
        elif action == "photo-remove":
            photo = ProgramPhoto.objects.filter(program=program, pk=request.POST.get("photo") or 0).first()
            if photo is None:
                raise Http404(_("There is no such photo."))
            program_photo_remove(actor=request.user, photo=photo)
            messages.success(request, _("The photo was removed."))
        else:
            messages.error(request, _("Unknown action."))
            return _staff_page(request, program, status=400)
    except ValidationError as exc:
        bound = {"held": "held_form", "cancel": "cancel_form", "photo-add": "photo_form"}.get(action)
        if bound is None:
            messages.error(request, " ".join(exc.messages))
            return _staff_page(request, program, status=400)
        apply_service_errors(form, exc)
        return _staff_page(request, program, status=400, **{bound: form})
    except ConflictError as exc:
        messages.error(request, exc.message)
        return _staff_page(request, _staff_program(request, pk), status=409)
    return redirect("programs:staff-detail", pk=program.pk)
