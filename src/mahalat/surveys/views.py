"""Survey pages: the staff list and builder, the resident's form and thank-you page, the results with
charts and tables, and a neighborhood's open surveys. Thin: reads from selectors, writes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.models import DISTRICT_ROLES, Role
from mahalat.accounts.rules import has_permission, held_roles
from mahalat.errors import DomainError
from mahalat.surveys import selectors, services
from mahalat.surveys.forms import QuestionForm, ResponseForm, SurveyForm, end_of, start_of
from mahalat.surveys.models import Option, Question, Survey, SurveyState
from mahalat.territory.models import Neighborhood
from mahalat.territory.selectors import neighborhood_get
from mahalat.worktime.calendar import local_date

STAFF_PAGE_SIZE = 30


def _require_staff(user: Any) -> None:
    if not (user.is_superuser or held_roles(user)):
        raise PermissionDenied(_("The survey workspace is for municipal staff and councils."))


def _authorable_neighborhoods(user: Any) -> list[Neighborhood]:
    """Where this person may author surveys: their districts and areas, or the deputy's whole city."""
    q = Q(pk__in=[])
    for held in held_roles(user):
        if held.role == Role.DEPUTY and held.scope.city_id:
            q |= Q(city_id=held.scope.city_id)
        elif held.role in DISTRICT_ROLES and held.scope.district_id:
            q |= Q(district_id=held.scope.district_id)
        elif held.role == Role.AREA_OFFICER and held.scope.area_id:
            q |= Q(area_id=held.scope.area_id)
    return list(Neighborhood.objects.filter(q).only("slug", "name", "name_en").order_by("name", "id"))


# --- staff --------------------------------------------------------------------------------------------


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    state = request.GET.get("state") or None
    qs = selectors.survey_list_for_staff(user=request.user, state=state)
    page = Paginator(qs, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/staff_list.html",
        {
            "page": page,
            "states": SurveyState.choices,
            "state": state,
            "may_author": bool(_authorable_neighborhoods(request.user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    hoods = _authorable_neighborhoods(request.user)
    if not hoods:
        raise PermissionDenied(_("You do not author surveys anywhere."))
    by_slug = {h.slug: h for h in hoods}
    form = SurveyForm(request.POST or None, neighborhoods=[(h.slug, h.display_name) for h in hoods])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.survey_save(
                actor=request.user,
                neighborhood=by_slug[data["neighborhood"]],
                title=data["title"],
                introduction=data["introduction"],
                opens_at=start_of(data["opens_on"]),
                closes_at=end_of(data["closes_on"]),
                residents_only=data["residents_only"],
            )
        except ValidationError as exc:
            apply_service_errors(form, _dates_on_form(exc))
        else:
            messages.success(request, _("The survey was created as a draft; now add its questions."))
            return redirect("surveys:staff-detail", pk=survey.pk)
    return render(request, "surveys/staff_form.html", {"form": form, "survey": None})


def _dates_on_form(exc: ValidationError) -> ValidationError:
    """The service speaks of opens_at/closes_at; the form of the days."""
    if hasattr(exc, "error_dict"):
        renamed = {
            {"opens_at": "opens_on", "closes_at": "closes_on"}.get(k, k): v for k, v in exc.error_dict.items()
        }
        return ValidationError(renamed)
    return exc


def _staff_survey(request: HttpRequest, pk: int) -> Survey:
    _require_staff(request.user)
    survey = selectors.survey_list_for_staff(user=request.user).filter(pk=pk).first()
    if survey is None:
        raise Http404(_("There is no such survey among those you follow."))
    return survey


@login_required
@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The builder: the survey's header, its questions, a form for one more, and open/close."""
    survey = _staff_survey(request, pk)
    may_manage = has_permission(request.user, "surveys.manage_survey", survey)
    header = SurveyForm(
        initial={
            "title": survey.title,
            "introduction": survey.introduction,
            "opens_on": local_date(survey.opens_at),
            "closes_on": local_date(survey.closes_at - timezone.timedelta(seconds=1)),
            "residents_only": survey.residents_only,
        }
    )
    question_form = QuestionForm(prefix="new")
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(_("You do not have permission to do this here."))
        if "save_header" in request.POST:
            header = SurveyForm(request.POST)
            if header.is_valid():
                data = header.cleaned_data
                try:
                    services.survey_save(
                        actor=request.user,
                        survey=survey,
                        title=data["title"],
                        introduction=data["introduction"],
                        opens_at=start_of(data["opens_on"]),
                        closes_at=end_of(data["closes_on"]),
                        residents_only=data["residents_only"],
                    )
                except ValidationError as exc:
                    apply_service_errors(header, _dates_on_form(exc))
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, _("Saved."))
                    return redirect("surveys:staff-detail", pk=survey.pk)
        else:
            question_form = QuestionForm(request.POST, prefix="new")
            if _save_question(request, survey, question_form, question=None):
                return redirect("surveys:staff-detail", pk=survey.pk)
    return render(
        request,
        "surveys/staff_detail.html",
        {
            "survey": survey,
            "questions": selectors.survey_questions(survey=survey),
            "header": header,
            "question_form": question_form,
            "may_manage": may_manage,
            "may_view_results": has_permission(request.user, "surveys.view_results", survey),
        },
    )


def _save_question(
    request: HttpRequest, survey: Survey, form: QuestionForm, *, question: Question | None
) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.question_save(
            actor=request.user,
            survey=survey,
            question=question,
            kind=data["kind"],
            text=data["text"],
            required=data["required"],
            options=form.option_list(),
            max_picks=data["max_picks"],
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return False
    except DomainError as exc:
        form.add_error(None, exc.message)
        return False
    messages.success(request, _("The question was saved."))
    return True


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    survey = _staff_survey(request, pk)
    question = get_object_or_404(Question.objects.prefetch_related("options"), pk=question_id, survey=survey)
    if not has_permission(request.user, "surveys.manage_survey", survey):
        raise PermissionDenied(_("You do not have permission to do this here."))
    form = QuestionForm(
        request.POST or None,
        initial={
            "kind": question.kind,
            "text": question.text,
            "required": question.required,
            "options": "\n".join(o.text for o in question.options.all()),
            "max_picks": question.max_picks,
        },
    )
    if request.method == "POST" and _save_question(request, survey, form, question=question):
        return redirect("surveys:staff-detail", pk=survey.pk)
    return render(
        request, "surveys/question_form.html", {"survey": survey, "question": question, "form": form}
    )


@login_required
@require_POST
def question_delete(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    survey = _staff_survey(request, pk)
    question = get_object_or_404(Question, pk=question_id, survey=survey)
    try:
        services.question_delete(actor=request.user, question=question)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The question was removed."))
    return redirect("surveys:staff-detail", pk=survey.pk)


@login_required
@require_POST
def staff_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    survey = _staff_survey(request, pk)
    try:
        if action == "open":
            survey = services.survey_open(actor=request.user, survey=survey)
            messages.success(
                request,
                _("The survey is open for answers.")
                if survey.state == SurveyState.OPEN
                else _("The survey is published and opens on its opening day."),
            )
        elif action == "close":
            services.survey_close(actor=request.user, survey=survey)
            messages.success(request, _("The survey is closed; its results are public."))
        else:
            raise Http404(_("There is no such action."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("surveys:staff-detail", pk=survey.pk)


# --- residents ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(pk=pk, user=request.user)
    now = timezone.now()
    mine = selectors.own_response(survey=survey, user=request.user)
    if mine is not None and request.method == "GET":
        return redirect("surveys:thanks", pk=survey.pk)
    questions = selectors.survey_questions(survey=survey)
    accepting = survey.accepts_answers(now)
    allowed = services.may_answer(user=request.user, survey=survey)
    form = ResponseForm(request.POST or None, questions=questions)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{_login_url()}?next={request.path}")
        if form.is_valid():
            try:
                services.response_submit(actor=request.user, survey=survey, answers=form.answers(), now=now)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            except DomainError as exc:
                messages.error(request, exc.message)
                if mine is not None:
                    return redirect("surveys:thanks", pk=survey.pk)
            else:
                return redirect("surveys:thanks", pk=survey.pk)
        status = 400
    else:
        status = 200
    return render(
        request,
        "surveys/answer.html",
        {"survey": survey, "form": form, "accepting": accepting, "allowed": allowed, "now": now},
        status=status,
    )


def _login_url() -> str:
    from django.conf import settings
    from django.shortcuts import resolve_url

    return resolve_url(settings.LOGIN_URL)


@login_required
@require_GET
def thanks(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(pk=pk, user=request.user)
    mine = selectors.own_response(survey=survey, user=request.user)
    if mine is None:
        return redirect("surveys:answer", pk=survey.pk)
    answers: dict[int, list[str]] = {}
    for item in mine.answers.all():
        value = item.option.text if item.option_id else str(item.rating) if item.rating else item.text
        answers.setdefault(item.question_id, []).append(value)
    mine_by_question = [(q, answers.get(q.pk, [])) for q in selectors.survey_questions(survey=survey)]
    return render(
        request, "surveys/thanks.html", {"survey": survey, "response": mine, "mine": mine_by_question}
    )


@require_GET
def results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(pk=pk, user=request.user)
    if not has_permission(request.user, "surveys.view_results", survey):
        if survey.state != SurveyState.CLOSED and not request.user.is_authenticated:
            raise Http404(_("The results are published when the survey closes."))
        raise PermissionDenied(_("The results are published when the survey closes."))
    data = selectors.survey_results(
        survey=survey, with_texts=has_permission(request.user, "surveys.view_free_text", survey)
    )
    may_propose = survey.state == SurveyState.CLOSED and has_permission(
        request.user, "surveys.propose_need", survey
    )
    return render(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "results": data,
            "needs": data.top_needs(),
            "charts": data.chart_data(),
            "may_propose": may_propose,
        },
    )


@login_required
@require_POST
def propose_need(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(pk=pk, user=request.user)
    option = get_object_or_404(Option.objects.select_related("question"), pk=request.POST.get("option") or 0)
    try:
        item = services.survey_propose_need(actor=request.user, survey=survey, option=option)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("“%(title)s” was proposed to the council's agenda.") % {"title": item.title}
        )
    return redirect("surveys:results", pk=survey.pk)


@require_GET
def neighborhood_surveys(request: HttpRequest, slug: str) -> HttpResponse:
    neighborhood = neighborhood_get(slug=slug)
    return render(
        request,
        "surveys/neighborhood.html",
        {
            "neighborhood": neighborhood,
            "open": selectors.open_surveys(neighborhood_id=neighborhood.pk),
            "closed": selectors.closed_surveys(neighborhood_id=neighborhood.pk),
        },
    )
