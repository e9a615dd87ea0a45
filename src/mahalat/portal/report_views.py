"""Citizens' pages for reports: filing one, its public page, a neighborhood's reports and feed, my reports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.rules import has_permission
from mahalat.errors import ConflictError, ThrottledError
from mahalat.portal.forms import CommentForm, EndorseForm, RatingForm, ReopenForm, ReportForm, VerifyForm
from mahalat.referrals.selectors import report_referrals_public
from mahalat.reports import interactions
from mahalat.reports.classifier import suggest_category
from mahalat.reports.models import Category, Report, ReportComment, ReportFollow, ReportState, ReportSupport
from mahalat.reports.selectors import (
    ReportFilters,
    report_get,
    report_history,
    report_list,
    similar_open_reports,
)
from mahalat.reports.services import report_submit, report_transition, report_verification_send, report_verify
from mahalat.territory.models import City, Neighborhood
from mahalat.territory.selectors import city_list, neighborhood_get

PAGE_SIZE = 30


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _city_for_intake(request: HttpRequest) -> City:
    slug = request.GET.get("city") or request.POST.get("city")
    city = City.objects.filter(slug=slug).first() if slug else city_list().first()
    if city is None:
        raise Http404(_("No city has been set up yet."))
    return city


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    city = _city_for_intake(request)
    categories = list(Category.objects.filter(city=city, is_active=True).order_by("position", "name"))
    signed_in = request.user.is_authenticated
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        categories=categories,
        signed_in=signed_in,
        initial={"lat": request.GET.get("lat"), "lng": request.GET.get("lng")},
    )
    similar: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        category = next((c for c in categories if c.slug == data["category"]), None)
        if not data.get("file_anyway") and data["lat"] is not None and data["lng"] is not None:
            similar = similar_open_reports(
                city_id=city.pk,
                category_id=category.pk if category else None,
                lat=data["lat"],
                lng=data["lng"],
                text=data["description"],
            )
        if not similar:
            report = _file_report(request, form, city)
            if report is not None:
                return redirect("portal:report-filed", tracking_code=report.tracking_code)
    status = 400 if form.errors else 200
    context = {"form": form, "city": city, "similar": similar, "outlines": _outlines(city)}
    return render(request, "portal/report_new.html", context, status=status)


def _file_report(request: HttpRequest, form: ReportForm, city: City) -> Report | None:
    """The report and its photos land together or not at all."""
    data = form.cleaned_data
    actor = request.user if request.user.is_authenticated else None
    saved_photos: list[Any] = []
    try:
        with transaction.atomic():
            report = report_submit(
                actor=actor,
                city=city,
                description=data["description"],
                lat=data["lat"],
                lng=data["lng"],
                kind=data["kind"],
                category_slug=data["category"] or None,
                address=data.get("address", ""),
                answers=form.answers(),
                show_name=data.get("show_name", False),
                phone=data.get("phone"),
            )
            for upload in data.get("photos") or []:
                saved_photos.append(interactions.report_photo_add(actor=actor, report=report, image=upload))
    except ThrottledError as exc:
        form.add_error(None, exc.message)
        return None
    except ValidationError as exc:
        for photo in saved_photos:
            photo.image.delete(save=False)
        apply_service_errors(form, exc)
        return None
    return report


def report_filed(request: HttpRequest, tracking_code: str) -> HttpResponse:
    """After filing: the tracking code, and the SMS confirmation step for anonymous reporters."""
    report = Report.objects.filter(tracking_code=tracking_code).select_related("neighborhood").first()
    if report is None:
        raise Http404(
            _("There is no report with the tracking code “%(code)s”.") % {"code": tracking_code[:20]}
        )
    form = VerifyForm()
    return render(request, "portal/report_filed.html", {"report": report, "form": form})


@require_POST
def report_verify_view(request: HttpRequest, tracking_code: str) -> HttpResponse:
    form = VerifyForm(request.POST)
    report = Report.objects.filter(tracking_code=tracking_code).select_related("neighborhood").first()
    if report is None:
        raise Http404(
            _("There is no report with the tracking code “%(code)s”.") % {"code": tracking_code[:20]}
        )
    if form.is_valid():
        try:
            if request.POST.get("resend"):
                report_verification_send(report=report, client_ip=_client_ip(request))
                messages.info(request, _("A new code has been sent."))
                return redirect("portal:report-filed", tracking_code=tracking_code)
            report_verify(
                tracking_code=tracking_code, code=form.cleaned_data["code"], client_ip=_client_ip(request)
            )
        except ThrottledError as exc:
            form.add_error(None, exc.message)
        except (ValidationError, ConflictError) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else exc.message)
        else:
            messages.success(request, _("Thank you. Your report is now registered."))
            return redirect("portal:report", tracking_code=tracking_code)
    return render(request, "portal/report_filed.html", {"report": report, "form": form}, status=400)


def report_detail(request: HttpRequest, tracking_code: str) -> HttpResponse:
    report = report_get(user=request.user, tracking_code=tracking_code)
    user = request.user
    comments = ReportComment.objects.filter(report=report).select_related("author").order_by("created_at")
    if not has_permission(user, "reports.moderate_comment", report):
        comments = comments.filter(is_hidden=False)
    context: dict[str, Any] = {
        "report": report,
        "history": report_history(report=report),
        # Who the report was referred to and what they said, in terms any visitor may read.
        "referrals": report_referrals_public(report=report),
        "photos": list(report.photos.all()),
        "comments": list(comments),
        "comment_form": CommentForm(),
        "rating_form": RatingForm(),
        "reopen_form": ReopenForm(),
        "endorse_form": EndorseForm(),
        "is_reporter": user.is_authenticated and report.reporter_id == user.pk,
        "may_support": has_permission(user, "reports.support_report", report) and report.is_open,
        "may_comment": has_permission(user, "reports.comment_report", report),
        "may_endorse": has_permission(user, "reports.endorse_report", report),
        "may_handle": has_permission(user, "reports.handle_report", report),
        "supported": user.is_authenticated
        and ReportSupport.objects.filter(report=report, user=user).exists(),
        "following": user.is_authenticated and ReportFollow.objects.filter(report=report, user=user).exists(),
        "rating": getattr(report, "rating", None) if report.state == ReportState.CLOSED else None,
        "show_name": report.show_name and report.reporter is not None,
    }
    return render(request, "portal/report_detail.html", context)


def _act(request: HttpRequest, tracking_code: str, action: Any) -> HttpResponse:
    """Run one citizen action on a report and come back to its page with the outcome."""
    report = report_get(user=request.user, tracking_code=tracking_code)
    try:
        message = action(report)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You do not have permission to do this here."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
    return redirect("portal:report", tracking_code=tracking_code)


@login_required
@require_POST
def report_support_view(request: HttpRequest, tracking_code: str) -> HttpResponse:
    def action(report: Report) -> str:
        if request.POST.get("withdraw"):
            interactions.report_support_withdraw(actor=request.user, report=report)
            return _("You no longer support this report.")
        interactions.report_support(actor=request.user, report=report)
        return _("Thank you: your support was counted, and you will hear of its progress.")

    return _act(request, tracking_code, action)


@login_required
@require_POST
def report_follow_view(request: HttpRequest, tracking_code: str) -> HttpResponse:
    def action(report: Report) -> str:
        follow = not request.POST.get("stop")
        interactions.report_follow(actor=request.user, report=report, follow=follow)
        return _("You follow this report.") if follow else _("You no longer follow this report.")

    return _act(request, tracking_code, action)


@login_required
@require_POST
def report_comment_view(request: HttpRequest, tracking_code: str) -> HttpResponse:
    def action(report: Report) -> str:
        interactions.report_comment_add(actor=request.user, report=report, text=request.POST.get("text", ""))
        return _("Your comment was published.")

    return _act(request, tracking_code, action)


@login_required
@require_POST
def report_confirm_view(request: HttpRequest, tracking_code: str) -> HttpResponse:
    """The reporter answers "fixed" (close) or "not fixed" (reopen, with what is still wrong)."""

    def action(report: Report) -> str:
        if request.POST.get("answer") == "reopen":
            report_transition(
                actor=request.user,
                report=report,
                to=ReportState.REOPENED,
                note=request.POST.get("note", ""),
                expected_state=ReportState.RESOLVED,
            )
            return _("The report was reopened; the officers have been told.")
        report_transition(
            actor=request.user, report=report, to=ReportState.CLOSED, expected_state=ReportState.RESOLVED
        )
        return _("Thank you for confirming. Please rate the outcome.")

    return _act(request, tracking_code, action)


@login_required
@require_POST
def report_rate_view(request: HttpRequest, tracking_code: str) -> HttpResponse:
    def action(report: Report) -> str:
        try:
            score = int(request.POST.get("score", ""))
        except ValueError as exc:
            raise ValidationError(_("Choose from 1 to 5.")) from exc
        interactions.report_rate(
            actor=request.user, report=report, score=score, comment=request.POST.get("comment", "")
        )
        return _("Thank you for your rating.")

    return _act(request, tracking_code, action)


@login_required
@require_POST
def report_endorse_view(request: HttpRequest, tracking_code: str) -> HttpResponse:
    def action(report: Report) -> str:
        interactions.report_endorse(
            actor=request.user,
            report=report,
            note=request.POST.get("note", ""),
            propose_for_agenda=bool(request.POST.get("propose_for_agenda")),
        )
        return _("The council's endorsement was recorded.")

    return _act(request, tracking_code, action)


def neighborhood_reports(request: HttpRequest, slug: str) -> HttpResponse:
    neighborhood = neighborhood_get(slug=slug)
    state = request.GET.get("state", "")
    states = [s for s in state.split(",") if s in ReportState.values] or None
    reports = report_list(
        user=None, filters=ReportFilters(neighborhood=slug, state=states, q=request.GET.get("q"))
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    points = [
        {
            "lat": r.lat,
            "lng": r.lng,
            "code": r.tracking_code,
            "state": r.get_state_display(),
            "url": reverse("portal:report", args=[r.tracking_code]),
        }
        for r in page.object_list
    ]
    return render(
        request,
        "portal/neighborhood_reports.html",
        {
            "neighborhood": neighborhood,
            "page": page,
            "points": points,
            "state": state,
            "outlines": _outlines_of([neighborhood]),
        },
    )


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    reports = report_list(user=request.user, filters=ReportFilters(mine=True))
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/my_reports.html", {"page": page})


def find_report(request: HttpRequest) -> HttpResponse:
    code = "".join(ch for ch in request.GET.get("code", "") if ch.isdigit())
    code = code.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789"))
    if code:
        return redirect("portal:report", tracking_code=code)
    return redirect("portal:home")


class NeighborhoodReportsFeed(Feed):
    """Atom feed of a neighborhood's public reports, newest first."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Neighborhood:
        return neighborhood_get(slug=slug)

    def title(self, obj: Neighborhood) -> str:
        return _("Reports in %(name)s") % {"name": obj}

    def link(self, obj: Neighborhood) -> str:
        return reverse("portal:neighborhood-reports", args=[obj.slug])

    def subtitle(self, obj: Neighborhood) -> str:
        return _("What residents of %(name)s reported, and what became of it.") % {"name": obj}

    def items(self, obj: Neighborhood) -> list[Report]:
        return list(report_list(user=None, filters=ReportFilters(neighborhood=obj.slug))[:50])

    def item_title(self, item: Report) -> str:
        category = item.category.display_name if item.category else _("Report")
        return f"{category} — {item.get_state_display()}"

    def item_description(self, item: Report) -> str:
        return item.description

    def item_link(self, item: Report) -> str:
        return reverse("portal:report", args=[item.tracking_code])

    def item_pubdate(self, item: Report) -> Any:
        return item.submitted_at

    def item_updateddate(self, item: Report) -> Any:
        return item.state_changed_at


def _outlines(city: City) -> dict[str, Any]:
    return _outlines_of(
        list(Neighborhood.objects.filter(city=city).only("slug", "name", "name_en", "boundary"))
    )


def _outlines_of(neighborhoods: list[Neighborhood]) -> dict[str, Any]:
    """The neighborhoods as a GeoJSON FeatureCollection for the map (drawn without tiles)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": n.boundary,
                "properties": {"slug": n.slug, "name": n.display_name},
            }
            for n in neighborhoods
            if n.boundary
        ],
    }


def category_suggestions(request: HttpRequest) -> HttpResponse:
    """The subjects the city's past reports suggest for a description (htmx fragment; empty when unsure)."""
    city = _city_for_intake(request)
    text = request.GET.get("description", "")[:1000]
    suggestions = suggest_category(city_id=city.pk, text=text) if len(text.strip()) >= 12 else []
    wanted = Category.objects.filter(city=city, slug__in=[s.slug for s in suggestions])
    names = {c.slug: c.display_name for c in wanted.only("slug", "name", "name_en")}
    items = [(s.slug, names.get(s.slug, s.slug)) for s in suggestions if s.slug in names]
    return render(request, "portal/_category_suggestions.html", {"items": items})
