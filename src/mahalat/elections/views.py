"""The pages of forming a council: public calls, applying, residency, voting and results; and the district's
staff pages for calls, reviews, residency verification and elections. Thin: reads from selectors, writes
through services, permissions from the rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.rules import has_permission
from mahalat.elections import selectors, services
from mahalat.elections.forms import (
    ApplyForm,
    CallForm,
    ResidencyForm,
    ScheduleForm,
    VoteForm,
    format_documents,
)
from mahalat.elections.models import (
    ApplicationState,
    CallState,
    ElectionState,
    Residency,
    ResidencyState,
)
from mahalat.elections.workflow import (
    APPLICATION_TRANSITIONS,
    CALL_TRANSITIONS,
    ELECTION_TRANSITIONS,
)
from mahalat.errors import ConflictError
from mahalat.territory.models import District
from mahalat.uploads import document_response
from mahalat.workflow import allowed_targets

PAGE_SIZE = 25


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query(request: HttpRequest) -> str:
    """The list's filters, to carry over to the other pages."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _outcome(request: HttpRequest, action: Any, success: str) -> bool:
    """Run a service call; report its outcome as a message. True when it succeeded."""
    try:
        action()
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You do not have permission to do this here."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
        return True
    return False


# --- public: calls ------------------------------------------------------------------------------------


def call_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.call_list_public())
    return render(request, "elections/calls.html", {"page": page, "now": timezone.now()})


def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_get(user=request.user, pk=pk)
    now = timezone.now()
    context = {
        "call": call,
        "is_open": call.state == CallState.OPEN and call.opens_at <= now < call.closes_at,
        "elections": list(selectors.election_list_public(call=call)),
        "may_run": has_permission(request.user, "elections.run_call", call),
    }
    return render(request, "elections/call_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def call_apply(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_get(user=request.user, pk=pk)
    form = ApplyForm(request.POST or None, request.FILES or None, call=call)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.application_submit(
                    actor=request.user,
                    call=call,
                    neighborhood=data["neighborhood"],
                    seat_type=data["seat_type"],
                    birth_date=data["birth_date"],
                    address=data["address"],
                    statement=data["statement"],
                    documents=form.documents(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except ConflictError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Your application was received. You will hear when it is reviewed.")
                )
                return redirect("elections:my-applications")
        status = 400
    return render(request, "elections/apply.html", {"call": call, "form": form}, status=status)


@login_required
def my_applications(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.applications_of(user=request.user))
    return render(request, "elections/my_applications.html", {"page": page})


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(user=request.user, pk=pk)
    _outcome(
        request,
        lambda: services.application_transition(
            actor=request.user,
            application=application,
            to=ApplicationState.WITHDRAWN,
            expected_state=ApplicationState.SUBMITTED,
        ),
        _("Your application was withdrawn."),
    )
    return redirect("elections:my-applications")


@login_required
@never_cache
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """An applicant's document, for the applicant and the reviewing district only; never cached."""
    document = selectors.document_get(user=request.user, pk=pk)
    return document_response(
        file=document.file,
        content_type=document.content_type,
        name=f"application-{document.application_id}-{document.code}",
    )


# --- public: residency ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def residency(request: HttpRequest) -> HttpResponse:
    form = ResidencyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.residency_claim(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except ConflictError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your residency was registered. The district will verify it."))
                return redirect("elections:residency")
        status = 400
    residencies = selectors.residencies_of(user=request.user)
    live = next((r for r in residencies if r.state != ResidencyState.REJECTED), None)
    context = {"form": form, "residencies": residencies, "live": live}
    return render(request, "elections/residency.html", context, status=status)


# --- public: elections ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def election_detail(request: HttpRequest, pk: int) -> HttpResponse:
    election = selectors.election_get(pk=pk)
    candidates = selectors.election_candidates(election=election)
    refusal = services.voting_refusal(user=request.user, election=election)
    form = None
    status = 200
    if refusal is None:
        form = VoteForm(
            request.POST or None, choices=[(c.id, c.name) for c in candidates], seats=election.seats
        )
        if request.method == "POST":
            if form.is_valid():
                try:
                    services.ballot_cast(
                        actor=request.user, election=election, candidate_ids=form.cleaned_data["candidates"]
                    )
                except ValidationError as exc:
                    apply_service_errors(form, exc)
                except (ConflictError, PermissionDenied) as exc:
                    form.add_error(None, getattr(exc, "message", str(exc)))
                else:
                    messages.success(request, _("Your vote was cast. Thank you."))
                    return redirect("elections:election", pk=election.pk)
            status = 400
    elif request.method == "POST":
        messages.error(request, refusal)
        status = 409
    context = {
        "election": election,
        "candidates": candidates,
        "results": selectors.results_visible(election),
        "refusal": refusal,
        "voted_on": selectors.ballot_date(user=request.user, election=election),
        "form": form,
    }
    return render(request, "elections/election.html", context, status=status)


# --- staff: calls -------------------------------------------------------------------------------------------


def _staff_districts(request: HttpRequest) -> list[District]:
    districts = list(
        District.objects.filter(pk__in=selectors.staff_district_ids(request.user)).order_by("number")
    )
    if not districts:
        raise PermissionDenied(_("Only district staff run registration calls."))
    return districts


@login_required
def staff_calls(request: HttpRequest) -> HttpResponse:
    _staff_districts(request)
    state = request.GET.get("state", "")
    page = _page(request, selectors.call_list_staff(user=request.user, state=state))
    return render(
        request,
        "elections/staff_calls.html",
        {"page": page, "state": state, "states": CallState.choices, "query": _query(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_call_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    districts = _staff_districts(request)
    call = selectors.call_for_staff(user=request.user, pk=pk) if pk else None
    initial: dict[str, Any] = {"residents_only": True, "min_age": 18}
    if call is not None:
        opens, closes = timezone.localtime(call.opens_at), timezone.localtime(call.closes_at)
        initial = {
            "district": call.district_id,
            "title": call.title,
            "description": call.description,
            "neighborhoods": list(call.neighborhoods.all()),
            "seat_types": list(call.seat_types.all()),
            "opens_on": opens.date(),
            "opens_time": opens.time(),
            "closes_on": closes.date(),
            "closes_time": closes.time(),
            "residents_only": call.residents_only,
            "min_age": call.min_age,
            "required_documents": format_documents(call.required_documents),
        }
    form = CallForm(request.POST or None, districts=districts, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if call is None:
                call = services.call_create(
                    actor=request.user, district=form.cleaned_data["district"], **form.values()
                )
            else:
                services.call_update(actor=request.user, call=call, **form.values())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The call was saved."))
            return redirect("elections:staff-call", pk=call.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "elections/staff_call_form.html", {"form": form, "call": call}, status=status)


@login_required
def staff_call(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_for_staff(user=request.user, pk=pk)
    filters = selectors.ApplicationFilters(
        neighborhood=_int(request.GET.get("neighborhood")),
        seat_type=_int(request.GET.get("seat_type")),
        state=request.GET.get("state") or None,
    )
    page = _page(request, selectors.applications_for_review(user=request.user, call=call, filters=filters))
    context = {
        "call": call,
        "page": page,
        "filters": filters,
        "query": _query(request),
        "states": ApplicationState.choices,
        "targets": allowed_targets(CALL_TRANSITIONS, call.state),
        "elections": list(selectors.election_list_public(call=call)),
        "schedule_form": ScheduleForm(call=call) if call.state in ("review", "closed") else None,
    }
    return render(request, "elections/staff_call.html", context)


@login_required
@require_POST
def staff_call_transition(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_for_staff(user=request.user, pk=pk)
    to = request.POST.get("to", "")
    _outcome(
        request,
        lambda: services.call_transition(
            actor=request.user,
            call=call,
            to=to,
            reason=request.POST.get("reason", ""),
            expected_state=request.POST.get("expected_state") or None,
        ),
        _("The call is now “%(state)s”.") % {"state": dict(CallState.choices).get(to, to)},
    )
    return redirect("elections:staff-call", pk=call.pk)


@login_required
def staff_application(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(user=request.user, pk=pk)
    if not has_permission(request.user, "elections.review_application", application):
        raise PermissionDenied(_("You do not have permission to do this here."))
    context = {
        "application": application,
        "targets": [
            t
            for t in allowed_targets(APPLICATION_TRANSITIONS, application.state)
            if t != ApplicationState.WITHDRAWN
        ],
        "resident": selectors.verified_residency(
            user=application.applicant, neighborhood_id=application.neighborhood_id
        ),
    }
    return render(request, "elections/staff_application.html", context)


@login_required
@require_POST
def staff_application_review(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(user=request.user, pk=pk)
    to = request.POST.get("to", "")
    if to not in (ApplicationState.ACCEPTED, ApplicationState.REJECTED):
        messages.error(request, _("Accept or reject the application."))
        return redirect("elections:staff-application", pk=pk)
    _outcome(
        request,
        lambda: services.application_transition(
            actor=request.user,
            application=application,
            to=to,
            reason=request.POST.get("reason", ""),
            expected_state=request.POST.get("expected_state") or None,
        ),
        _("The application was reviewed; the applicant has been told."),
    )
    return redirect("elections:staff-application", pk=pk)


# --- staff: residency -------------------------------------------------------------------------------------


@login_required
def staff_residency(request: HttpRequest) -> HttpResponse:
    if not selectors.is_residency_verifier(request.user):
        raise PermissionDenied(_("You do not have permission to do this here."))
    neighborhood = _int(request.GET.get("neighborhood"))
    state = request.GET.get("state", ResidencyState.CLAIMED)
    qs = selectors.residency_list_for_staff(user=request.user, neighborhood=neighborhood, state=state or None)
    page = _page(request, qs)
    context = {
        "page": page,
        "state": state,
        "neighborhood": neighborhood,
        "states": ResidencyState.choices,
        "neighborhoods": selectors.residency_neighborhoods(user=request.user),
        "query": _query(request),
    }
    return render(request, "elections/staff_residency.html", context)


@login_required
@require_POST
def staff_residency_review(request: HttpRequest, pk: int) -> HttpResponse:
    residency: Residency = selectors.residency_for_staff(user=request.user, pk=pk)
    to = request.POST.get("to", "")
    _outcome(
        request,
        lambda: services.residency_transition(
            actor=request.user,
            residency=residency,
            to=to,
            reason=request.POST.get("reason", ""),
            expected_state=request.POST.get("expected_state") or None,
        ),
        _("The residency of %(name)s is now “%(state)s”.")
        % {
            "name": residency.user.full_name or residency.user.phone_local,
            "state": dict(ResidencyState.choices).get(to, to),
        },
    )
    return redirect("elections:staff-residency")


# --- staff: elections ---------------------------------------------------------------------------------------


@login_required
def staff_elections(request: HttpRequest) -> HttpResponse:
    _staff_districts(request)
    state = request.GET.get("state", "")
    page = _page(request, selectors.election_list_staff(user=request.user, state=state))
    context = {"page": page, "state": state, "states": ElectionState.choices, "query": _query(request)}
    return render(request, "elections/staff_elections.html", context)


@login_required
@require_POST
def staff_election_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_for_staff(user=request.user, pk=pk)
    form = ScheduleForm(request.POST, call=call)
    if form.is_valid():
        try:
            election = services.election_schedule(actor=request.user, call=call, **form.values())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except (ConflictError, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, _("The election was scheduled."))
            return redirect("elections:staff-election", pk=election.pk)
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return redirect("elections:staff-call", pk=call.pk)


@login_required
def staff_election(request: HttpRequest, pk: int) -> HttpResponse:
    election = selectors.election_for_staff(user=request.user, pk=pk)
    context = {
        "election": election,
        "candidates": selectors.election_candidates(election=election),
        "results": selectors.results_visible(election),
        "targets": allowed_targets(ELECTION_TRANSITIONS, election.state),
        "now": timezone.now(),
    }
    return render(request, "elections/staff_election.html", context)


@login_required
@require_POST
def staff_election_transition(request: HttpRequest, pk: int) -> HttpResponse:
    election = selectors.election_for_staff(user=request.user, pk=pk)
    to = request.POST.get("to", "")
    _outcome(
        request,
        lambda: services.election_transition(
            actor=request.user,
            election=election,
            to=to,
            reason=request.POST.get("reason", ""),
            expected_state=request.POST.get("expected_state") or None,
        ),
        _("The election is now “%(state)s”.") % {"state": dict(ElectionState.choices).get(to, to)},
    )
    return redirect("elections:staff-election", pk=pk)
