"""The staff inbox of citizen reports: a filtered, sorted list with bulk actions and a map, and one staff
page per report with its whole record and a form for each next state the person may give it.

Who sees what:
- area officers (their area), district officers and managers (their district) handle reports;
- the deputy, city council members and administrators read their city's reports, and an agency
  liaison the reports addressed to the agency, without action buttons (a POST is refused, 403);
- everyone else (citizens, council roles) is refused.
Writes go through the report services; every row of a bulk action is one `report_transition` with the
state the person saw, so a report someone else changed meanwhile is reported, never overwritten.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.models import DISTRICT_ROLES, Role
from mahalat.accounts.rules import has_permission, held_roles
from mahalat.errors import ConflictError, DomainError
from mahalat.persian.digits import format_number, is_persian_active, to_ascii_digits
from mahalat.referrals.models import Referral
from mahalat.reports.interactions import report_comment_hide, report_merge, report_photo_add
from mahalat.reports.models import (
    OPEN_STATES,
    Category,
    EscalationLevel,
    Report,
    ReportComment,
    ReportState,
)
from mahalat.reports.selectors import ReportFilters, report_list
from mahalat.reports.services import report_transition
from mahalat.reports.workflow import TRANSITIONS, allowed_targets
from mahalat.territory.models import Neighborhood, unit_bulk
from mahalat.workspace.inbox_forms import (
    SORT_DEADLINE,
    SORT_NEWEST,
    SORT_SUPPORTS,
    VIEW_LIST,
    VIEW_MAP,
    CommentHideForm,
    InboxFilterForm,
    ResolutionPhotoForm,
    TransitionForm,
)
from mahalat.worktime.calendar import TEHRAN, load_calendar, local_date

PAGE_SIZE = 50
BULK_LIMIT = 200  # rows in one bulk action (a page holds 50; a crafted request cannot ask for more)
FAILURES_SHOWN = 20
FIX_PHOTO_STATES = frozenset(
    {
        ReportState.TRIAGED,
        ReportState.IN_PROGRESS,
        ReportState.REFERRED,
        ReportState.REOPENED,
        ReportState.RESOLVED,
    }
)

# Roles that handle reports (their POSTs are allowed; each row's permission is still checked).
ACTING_ROLES = frozenset({Role.AREA_OFFICER, *DISTRICT_ROLES})
# Roles that read a whole city's reports here.
CITY_READERS = frozenset({Role.DEPUTY, Role.CITY_COUNCIL, Role.ADMINISTRATOR})

STATE_BADGES: dict[str, str] = {
    ReportState.UNVERIFIED: "text-bg-light border",
    ReportState.SUBMITTED: "text-bg-warning",
    ReportState.TRIAGED: "text-bg-info",
    ReportState.IN_PROGRESS: "text-bg-primary",
    ReportState.REFERRED: "text-bg-primary",
    ReportState.RESOLVED: "text-bg-success",
    ReportState.REOPENED: "text-bg-danger",
    ReportState.CLOSED: "text-bg-secondary",
    ReportState.REJECTED: "text-bg-dark",
    ReportState.DUPLICATE: "text-bg-secondary",
}
ESCALATION_BADGES: dict[int, str] = {
    EscalationLevel.DISTRICT: "text-bg-warning",
    EscalationLevel.DEPUTY: "text-bg-danger",
}


# --- who may use the inbox, over what -------------------------------------------------------------


@dataclass(frozen=True)
class InboxAccess:
    reports: Q  # the reports this person's inbox holds
    neighborhoods: Q  # the neighborhoods offered in the filter (and drawn on the map)
    city_ids: frozenset[int] | None  # None: every city (a superuser)
    may_act: bool  # holds a role that handles reports: bulk actions and forms are offered


def inbox_access(user: Any) -> InboxAccess | None:
    """What the person's inbox covers, from the roles they hold now; ``None`` when they have none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    reports, neighborhoods = Q(pk__in=[]), Q(pk__in=[])
    city_ids: set[int] = set()
    may_act, any_role = False, False
    for held in held_roles(user):
        scope = held.scope
        if held.role in CITY_READERS:
            reports |= Q(city_id=scope.city_id)
            neighborhoods |= Q(city_id=scope.city_id)
        elif held.role in DISTRICT_ROLES:
            reports |= Q(district_id=scope.district_id)
            neighborhoods |= Q(district_id=scope.district_id)
        elif held.role == Role.AREA_OFFICER:
            reports |= Q(area_id=scope.area_id)
            neighborhoods |= Q(area_id=scope.area_id)
        elif held.role == Role.AGENCY_LIAISON:
            reports |= Q(handler_agency_id=scope.agency_id)
            neighborhoods |= Q(city_id=scope.city_id)
        else:
            continue
        any_role = True
        may_act = may_act or held.role in ACTING_ROLES
        if scope.city_id is not None:
            city_ids.add(scope.city_id)
    if user.is_superuser:
        return InboxAccess(reports=Q(), neighborhoods=Q(), city_ids=None, may_act=may_act)
    if not any_role:
        return None
    return InboxAccess(
        reports=reports, neighborhoods=neighborhoods, city_ids=frozenset(city_ids), may_act=may_act
    )


def _access_or_403(request: HttpRequest) -> InboxAccess:
    access = inbox_access(request.user)
    if access is None:
        raise PermissionDenied(_("The report inbox is for municipal staff."))
    return access


def _require_acting(access: InboxAccess) -> None:
    if not access.may_act:
        raise PermissionDenied(_("You can read these reports but not change them."))


def _inbox_reports(access: InboxAccess, user: Any, filters: ReportFilters) -> QuerySet[Report]:
    return (
        report_list(user=user, filters=filters).filter(access.reports).exclude(state=ReportState.UNVERIFIED)
    )


def _report_or_404(access: InboxAccess, user: Any, tracking_code: str) -> Report:
    report = (
        _inbox_reports(access, user, ReportFilters())
        .filter(tracking_code=tracking_code)
        .select_related("duplicate_of")
        # The page's map draws the neighborhood's outline, which the lists leave unloaded.
        .defer(None)
        .defer(*unit_bulk("area", "district"))
        .first()
    )
    if report is None:
        raise Http404(
            _("There is no report with the tracking code “%(code)s” in your inbox.")
            % {"code": tracking_code[:20]}
        )
    return report


# --- time left, in working hours ------------------------------------------------------------------


def current_deadline(report: Report) -> datetime | None:
    """The deadline the report is working against now: triage while submitted, resolution while open."""
    if report.state == ReportState.SUBMITTED:
        return report.triage_due_at
    if report.state in OPEN_STATES:
        return report.resolve_due_at
    return None


@dataclass(frozen=True)
class TimeLeft:
    """Working hours from now to a deadline: positive while time remains, negative once it has passed."""

    hours: float
    due: datetime
    overdue: bool  # the deadline has passed (even if no working hour has passed since, on a weekend)

    @property
    def label(self) -> str:
        persian = is_persian_active()
        if not self.overdue:
            whole = math.floor(self.hours)
            if whole < 1:
                return _("Less than a working hour left")
            count = format_number(whole, persian=persian)
            return ngettext("%(hours)s working hour left", "%(hours)s working hours left", whole) % {
                "hours": count
            }
        whole = math.ceil(-self.hours)
        if whole < 1:
            return _("Deadline passed")
        count = format_number(whole, persian=persian)
        return ngettext("%(hours)s working hour overdue", "%(hours)s working hours overdue", whole) % {
            "hours": count
        }


def time_left(reports: Iterable[Report], *, now: datetime | None = None) -> dict[int, TimeLeft]:
    """Time left on each open report's current deadline: one calendar load per city, whatever the rows."""
    now = now or timezone.now()
    by_city: dict[int, list[tuple[Report, datetime]]] = defaultdict(list)
    for report in reports:
        due = current_deadline(report)
        if due is not None:
            by_city[report.city_id].append((report, due))
    result: dict[int, TimeLeft] = {}
    today = local_date(now)
    for city_id, rows in by_city.items():
        days = [today, *(local_date(due) for _report, due in rows)]
        calendar = load_calendar(city_id=city_id, first_day=min(days), last_day=max(days))
        for report, due in rows:
            hours = calendar.working_time_between(start=now, end=due)
            result[report.pk] = TimeLeft(hours=hours, due=due, overdue=due <= now)
    return result


# --- the list ---------------------------------------------------------------------------------------


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TEHRAN)


def _filter_choices(
    access: InboxAccess, *, with_boundaries: bool
) -> tuple[list[Neighborhood], list[tuple[str, str]]]:
    fields = ["id", "slug", "name", "name_en", "city_id", "district_id", "area_id"]
    if with_boundaries:
        fields.append("boundary")
    neighborhoods = list(
        Neighborhood.objects.filter(access.neighborhoods).only(*fields).order_by("name", "id")
    )
    categories = Category.objects.all()
    if access.city_ids is not None:
        categories = categories.filter(city_id__in=access.city_ids)
    category_choices = [
        (c.slug, c.display_name)
        for c in categories.only("slug", "name", "name_en", "city_id").order_by("position", "name", "id")
    ]
    return neighborhoods, list(dict.fromkeys(category_choices))


def _sorted(qs: QuerySet[Report], sort: str) -> QuerySet[Report]:
    if sort == SORT_NEWEST:
        return qs.order_by("-submitted_at", "-id")
    if sort == SORT_SUPPORTS:
        return qs.order_by("-supports_count", "-submitted_at", "-id")
    return qs.annotate(
        closed_rank=Case(
            When(state__in=OPEN_STATES, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
        current_due=Case(
            When(state=ReportState.SUBMITTED, then=F("triage_due_at")), default=F("resolve_due_at")
        ),
    ).order_by("closed_rank", "current_due", "id")


def _query_without(request: HttpRequest, *names: str, **overrides: str) -> str:
    query: QueryDict = request.GET.copy()
    for name in names:
        query.pop(name, None)
    for name, value in overrides.items():
        query[name] = value
    return query.urlencode()


def _map_data(
    *, reports: Iterable[Report], outlines: Iterable[Neighborhood], times: dict[int, TimeLeft]
) -> dict[str, Any]:
    """What inbox-map.js draws: neighborhood outlines (no tiles unless MAP_TILE_URL is set) and markers."""
    features = [
        {
            "type": "Feature",
            "geometry": n.boundary,
            "properties": {"name": n.display_name},
        }
        for n in outlines
        if isinstance(n.boundary, dict) and n.boundary.get("type") in {"Polygon", "MultiPolygon"}
    ]
    markers = []
    for report in reports:
        left = times.get(report.pk)
        markers.append(
            {
                "code": report.tracking_code,
                "lat": report.lat,
                "lng": report.lng,
                "state": report.state,
                "state_label": str(report.get_state_display()),
                "category": report.category.display_name if report.category else _("Uncategorized"),
                "neighborhood": report.neighborhood.display_name,
                "overdue": bool(left and left.overdue),
                "time_left": left.label if left else "",
                "url": reverse("workspace:inbox-report", args=[report.tracking_code]),
            }
        )
    return {
        "tile_url": getattr(settings, "MAP_TILE_URL", "") or "",
        "outlines": {"type": "FeatureCollection", "features": features},
        "reports": markers,
        "labels": {"open": _("Open the report"), "map": _("Map of the reports on this page")},
    }


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    access = _access_or_403(request)
    view = VIEW_MAP if request.GET.get("view") == VIEW_MAP else VIEW_LIST
    neighborhoods, categories = _filter_choices(access, with_boundaries=view == VIEW_MAP)
    form = InboxFilterForm(
        request.GET or None,
        categories=categories,
        neighborhoods=[(n.slug, n.display_name) for n in neighborhoods],
    )
    if form.is_bound:
        form.is_valid()  # invalid fields are shown with their errors and left out of the filter
    start, end = form.value_of("submitted_from"), form.value_of("submitted_to")
    q = form.value_of("q")
    # A tracking code typed into the search box finds that report, whatever its state.
    code = to_ascii_digits(q or "").strip()
    by_code = code.isascii() and code.isdigit() and 6 <= len(code) <= 12
    filters = ReportFilters(
        state=form.value_of("state") or (None if by_code else sorted(OPEN_STATES)),
        category=form.value_of("category"),
        neighborhood=form.value_of("neighborhood"),
        overdue=True if form.value_of("overdue") else None,
        q=None if by_code else q,
        submitted_from=_local_midnight(start) if start else None,
        submitted_to=_local_midnight(end + timedelta(days=1)) if end else None,
    )
    qs = _inbox_reports(access, request.user, filters)
    if by_code:
        qs = qs.filter(tracking_code=code)
    if form.value_of("needs_routing"):
        qs = qs.filter(needs_routing=True)
    escalation = form.value_of("escalation")
    if escalation is not None:
        qs = qs.filter(escalation_level=escalation)
    sort = form.value_of("sort", SORT_DEADLINE)
    # The page's ids are sorted on narrow rows; only those 50 are then read whole with their places,
    # category and agency (sorting thousands of whole joined rows took most of a district's inbox).
    page = Paginator(_sorted(qs, sort).values_list("pk", flat=True), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    ids = list(page.object_list)
    found = qs.order_by().in_bulk(ids)
    rows = [found[pk] for pk in ids if pk in found]
    times = time_left(rows)
    for report in rows:
        report.time_left = times.get(report.pk)
        report.state_badge = STATE_BADGES.get(report.state, "text-bg-secondary")
        report.escalation_badge = ESCALATION_BADGES.get(report.escalation_level, "")
        report.bulk_action = (
            access.may_act
            and report.state in {ReportState.SUBMITTED, ReportState.TRIAGED}
            and has_permission(request.user, "reports.handle_report", report)
        )
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "rows": rows,
        "view": view,
        "sort": sort,
        "may_act": access.may_act,
        "bulk_possible": any(r.bulk_action for r in rows),
        "page_query": _query_without(request, "page"),
        "list_query": _query_without(request, "page", "view"),
        "map_query": _query_without(request, "page", view=VIEW_MAP),
        "selected_states": form.value_of("state") or ([] if by_code else sorted(OPEN_STATES)),
    }
    if view == VIEW_MAP:
        shown = {r.neighborhood_id for r in rows}
        outlines = neighborhoods if len(neighborhoods) <= 300 else [n for n in neighborhoods if n.pk in shown]
        context["map_data"] = _map_data(reports=rows, outlines=outlines, times=times)
    return render(request, "workspace/inbox.html", context)


# --- bulk actions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkAction:
    from_state: str
    to_state: str


BULK_ACTIONS = {
    "accept": BulkAction(ReportState.SUBMITTED, ReportState.TRIAGED),
    "start": BulkAction(ReportState.TRIAGED, ReportState.IN_PROGRESS),
}


@dataclass
class BulkResult:
    done: list[str]
    failed: list[tuple[str, str]]  # (tracking code, reason)


def _isolate(code: str) -> str:
    """A tracking code kept left to right inside a Persian message (a first-strong isolate pair)."""
    return f"\u2066{code}\u2069"


def bulk_apply(
    *, user: Any, access: InboxAccess, action: BulkAction, rows: list[tuple[str, str]]
) -> BulkResult:
    """Each (tracking code, state seen on the page) through the transition service, one at a time."""
    result = BulkResult(done=[], failed=[])
    codes = [code for code, _seen in rows]
    found = {
        r.tracking_code: r
        for r in _inbox_reports(access, user, ReportFilters()).filter(tracking_code__in=codes)
    }
    for code, seen in rows:
        report = found.get(code)
        if report is None:
            result.failed.append((code, _("There is no such report in your inbox.")))
            continue
        if seen != action.from_state:
            result.failed.append(
                (
                    code,
                    _("This action applies only to reports that are “%(state)s”.")
                    % {"state": ReportState(action.from_state).label},
                )
            )
            continue
        try:
            report_transition(actor=user, report=report, to=action.to_state, expected_state=seen)
        except PermissionDenied:
            result.failed.append((code, _("You may not handle this report.")))
        except DomainError as exc:  # changed meanwhile, or no longer allowed from its state
            result.failed.append((code, exc.message))
        except ValidationError as exc:
            result.failed.append((code, " ".join(exc.messages)))
        else:
            result.done.append(code)
    return result


def _parse_selected(values: list[str]) -> list[tuple[str, str]]:
    rows: dict[str, str] = {}
    for value in values[:BULK_LIMIT]:
        code, _sep, seen = value.partition(":")
        code = code.strip()
        if code and code.isascii() and code.isdigit() and len(code) <= 12:
            rows.setdefault(code, seen.strip())
    return list(rows.items())


def _safe_next(request: HttpRequest) -> str:
    fallback = reverse("workspace:inbox")
    target = request.POST.get("next") or ""
    if target.startswith(fallback) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    access = _access_or_403(request)
    _require_acting(access)
    back = _safe_next(request)
    action = BULK_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Choose one of the actions offered."))
        return redirect(back)
    rows = _parse_selected(request.POST.getlist("selected"))
    if not rows:
        messages.warning(request, _("Select at least one report."))
        return redirect(back)
    result = bulk_apply(user=request.user, access=access, action=action, rows=rows)
    persian = is_persian_active()
    summary = _("%(done)s done, %(failed)s could not be changed.") % {
        "done": format_number(len(result.done), persian=persian),
        "failed": format_number(len(result.failed), persian=persian),
    }
    if result.failed:
        messages.warning(request, summary)
        for code, reason in result.failed[:FAILURES_SHOWN]:
            messages.error(request, _("%(code)s: %(reason)s") % {"code": _isolate(code), "reason": reason})
        if len(result.failed) > FAILURES_SHOWN:
            rest = len(result.failed) - FAILURES_SHOWN
            messages.error(
                request,
                ngettext("…and %(count)s more.", "…and %(count)s more.", rest)
                % {"count": format_number(rest, persian=persian)},
            )
    else:
        messages.success(request, summary)
    return redirect(back)


# --- one report --------------------------------------------------------------------------------------


# A report that can be referred now (referrals.services.referral_create accepts it from these states).
REFERABLE_STATES = frozenset(
    {ReportState.SUBMITTED, ReportState.TRIAGED, ReportState.IN_PROGRESS, ReportState.REOPENED}
)


def transition_forms(*, user: Any, report: Report) -> list[TransitionForm]:
    """A form for each next state of the report that this person may give it. Referring is not one of
    them: a report is referred by sending a referral (its own page), which the report then follows."""
    forms: list[TransitionForm] = []
    for target in allowed_targets(report.state):
        rule = TRANSITIONS[(report.state, target)]
        if "referral" in rule.requires:
            continue
        if rule.permission is None or not has_permission(user, rule.permission, report):
            continue
        forms.append(TransitionForm(target=target, rule=rule, initial={"expected_state": report.state}))
    return forms


def report_referrals(report: Report) -> list[Referral]:
    """The report's referrals, oldest first, with the body each went to (one query)."""
    return list(
        Referral.objects.filter(report=report)
        .select_related("target_agency", "target_district", "target_area")
        .order_by("sent_at", "id")
    )


def _answers(report: Report) -> list[tuple[str, Any]]:
    """The answers to the category's extra questions, with the questions' labels and the values' names."""
    questions = {
        q.get("code"): q
        for q in (report.category.questions if report.category else [])
        if isinstance(q, dict)
    }
    persian = is_persian_active()
    label_key, separator = ("label", "، ") if persian else ("label_en", ", ")
    answers = []
    for code, value in (report.answers or {}).items():
        question = questions.get(code, {})
        names = {str(v.get("key")): v.get("name") for v in question.get("values", []) if isinstance(v, dict)}
        values = value if isinstance(value, list) else [value]
        shown = separator.join(str(names.get(str(v), v)) for v in values)
        answers.append((question.get(label_key) or question.get("label") or code, shown))
    return answers


def _detail_context(
    request: HttpRequest,
    access: InboxAccess,
    report: Report,
    *,
    hide_forms: dict[int, CommentHideForm] | None = None,
) -> dict[str, Any]:
    user = request.user
    may_handle = access.may_act and has_permission(user, "reports.handle_report", report)
    may_moderate = access.may_act and has_permission(user, "reports.moderate_comment", report)
    times = time_left([report])
    comments = list(report.comments.select_related("author", "hidden_by").order_by("created_at", "id"))
    for comment in comments:
        comment.hide_form = None
        if may_moderate and not comment.is_hidden:
            comment.hide_form = (hide_forms or {}).get(comment.pk) or CommentHideForm(
                prefix=f"hide-{comment.pk}"
            )
    photos = list(report.photos.order_by("is_resolution", "position", "id"))
    reporter_phone = ""
    if report.reporter is not None:
        reporter_phone = report.reporter.phone_local
    elif report.reporter_phone:
        phone = report.reporter_phone
        reporter_phone = "0" + phone[3:] if phone.startswith("+98") else phone
    report.state_badge = STATE_BADGES.get(report.state, "text-bg-secondary")
    report.escalation_badge = ESCALATION_BADGES.get(report.escalation_level, "")
    referrals = report_referrals(report)
    may_refer = (
        access.may_act
        and report.state in REFERABLE_STATES
        and not any(r.is_open for r in referrals)
        and has_permission(user, "referrals.send_referral", report)
    )
    return {
        "referrals": referrals,
        "may_refer": may_refer,
        "report": report,
        "time_left": times.get(report.pk),
        "transitions": list(report.transitions.select_related("actor").order_by("created_at", "id")),
        "comments": comments,
        "problem_photos": [p for p in photos if not p.is_resolution],
        "resolution_photos": [p for p in photos if p.is_resolution],
        "endorsements": list(report.endorsements.select_related("endorsed_by").order_by("created_at", "id")),
        "answers": _answers(report),
        "private": has_permission(user, "reports.view_private_details", report),
        "reporter_phone": reporter_phone,
        "may_handle": may_handle,
        # A photo of the fix once the report is being handled (the service itself accepts one any time).
        "may_add_fix_photo": may_handle and report.state in FIX_PHOTO_STATES,
        "may_moderate": may_moderate,
        "forms": transition_forms(user=user, report=report) if access.may_act else [],
        "photo_form": ResolutionPhotoForm(prefix="photo"),
        "map_data": _map_data(reports=[report], outlines=[report.neighborhood], times=times),
        "back_url": reverse("workspace:inbox"),
    }


def _apply_transition(*, user: Any, report: Report, form: TransitionForm) -> Report:
    data = form.cleaned_data
    expected = data["expected_state"]
    note = data.get("note", "")
    if form.target == ReportState.DUPLICATE:
        code = data.get("duplicate_of", "")
        if not code:
            raise ValidationError({"duplicate_of": [_("Name the report this one repeats.")]})
        original = Report.objects.filter(city_id=report.city_id, tracking_code=code).first()
        if original is None:
            raise ValidationError(
                {"duplicate_of": [_("There is no report with this tracking code in this city.")]}
            )
        # report_merge moves supporters and followers too; the state seen is checked under the lock.
        with transaction.atomic():
            locked = Report.objects.select_for_update().get(pk=report.pk)
            if locked.state != expected:
                raise ConflictError(
                    _(
                        "This report changed while you were looking at it: it is now “%(state)s”. "
                        "Reload and try again."
                    )
                    % {"state": ReportState(locked.state).label}
                )
            report_merge(actor=user, duplicate=locked, original=original, note=note)
        return locked
    return report_transition(actor=user, report=report, to=form.target, note=note, expected_state=expected)


def _render_detail(
    request: HttpRequest,
    access: InboxAccess,
    report: Report,
    *,
    status: int = 200,
    hide_forms: dict[int, CommentHideForm] | None = None,
    **extra: Any,
) -> HttpResponse:
    context = _detail_context(request, access, report, hide_forms=hide_forms)
    context.update(extra)
    return render(request, "workspace/inbox_report.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def inbox_report(request: HttpRequest, tracking_code: str) -> HttpResponse:
    access = _access_or_403(request)
    report = _report_or_404(access, request.user, tracking_code)
    if request.method == "GET":
        return _render_detail(request, access, report)
    _require_acting(access)
    target = request.POST.get("to", "")
    if target not in ReportState.values:
        return _render_detail(
            request, access, report, status=400, action_errors=[_("Choose one of the actions offered.")]
        )
    # The rule decides which inputs the form has; a target the table does not reach from the report's
    # state still gets a form, so that the service can say why it is refused (a conflict).
    rule = TRANSITIONS.get((report.state, target)) or next(
        (r for (_f, t), r in TRANSITIONS.items() if t == target), None
    )
    if rule is None:
        return _render_detail(
            request, access, report, status=400, action_errors=[_("Choose one of the actions offered.")]
        )
    form = TransitionForm(request.POST, target=target, rule=rule)
    status = 400
    if form.is_valid():
        try:
            changed = _apply_transition(user=request.user, report=report, form=form)
        except ConflictError as exc:
            form.add_error(None, exc.message)
            status = 409
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You do not have permission to do this here."))
            status = 403
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The report is now “%(state)s”.") % {"state": ReportState(changed.state).label},
            )
            return redirect("workspace:inbox-report", tracking_code=report.tracking_code)
    # Shown as the report is now (after a conflict it is no longer what the person saw).
    report = _report_or_404(access, request.user, tracking_code)
    context = _detail_context(request, access, report)
    still_there = status == 400 and report.state == form.cleaned_data.get("expected_state")
    if still_there and any(f.target == form.target for f in context["forms"]):
        # What the person typed stays, with each error beside its field.
        context["forms"] = [form if f.target == form.target else f for f in context["forms"]]
        context["open_target"] = form.target
    else:
        errors = list(form.non_field_errors())
        errors += [
            f"{form.fields[name].label}: {' '.join(field_errors)}"
            for name, field_errors in form.errors.items()
            if name in form.fields and name != "expected_state"
        ]
        if "expected_state" in form.errors:
            errors.append(_("The page was out of date. Reload it and try again."))
        context["action_errors"] = errors
    return render(request, "workspace/inbox_report.html", context, status=status)


@login_required
@require_POST
def inbox_photo_add(request: HttpRequest, tracking_code: str) -> HttpResponse:
    access = _access_or_403(request)
    _require_acting(access)
    report = _report_or_404(access, request.user, tracking_code)
    photo_form = ResolutionPhotoForm(request.POST, request.FILES, prefix="photo")
    status = 400
    if photo_form.is_valid():
        try:
            report_photo_add(
                actor=request.user, report=report, image=photo_form.cleaned_data["image"], is_resolution=True
            )
        except ValidationError as exc:
            apply_service_errors(photo_form, exc)
        else:
            messages.success(request, _("The photo of the fix was added."))
            return redirect("workspace:inbox-report", tracking_code=report.tracking_code)
    return _render_detail(request, access, report, status=status, photo_form=photo_form)


@login_required
@require_POST
def inbox_comment_hide(request: HttpRequest, tracking_code: str, comment_id: str) -> HttpResponse:
    access = _access_or_403(request)
    _require_acting(access)
    report = _report_or_404(access, request.user, tracking_code)
    comment = ReportComment.objects.filter(pk=int(comment_id), report=report).first()
    if comment is None:
        raise Http404(_("There is no such comment."))
    form = CommentHideForm(request.POST, prefix=f"hide-{comment.pk}")
    if form.is_valid():
        try:
            report_comment_hide(actor=request.user, comment=comment, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The comment is hidden from the public page."))
            return redirect("workspace:inbox-report", tracking_code=report.tracking_code)
    return _render_detail(request, access, report, status=400, hide_forms={comment.pk: form})
