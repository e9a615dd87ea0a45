"""News pages: the public lists of the city, a district and a neighborhood (each with its Atom feed),
an item's public page; the staff list, the item form and an item's staff page with its workflow.
Thin: reads from selectors, writes through services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.models import DISTRICT_ROLES, Role
from mahalat.accounts.rules import held_roles
from mahalat.errors import ConflictError
from mahalat.news import selectors
from mahalat.news.feeds import only_city
from mahalat.news.forms import NewsForm, NoteForm, WithdrawForm
from mahalat.news.models import NewsItem, NewsState
from mahalat.news.services import (
    may_review,
    may_withdraw,
    may_write,
    news_publish,
    news_save,
    news_send_back,
    news_submit,
    news_withdraw,
)
from mahalat.territory.models import City, District, Neighborhood
from mahalat.territory.selectors import neighborhood_get

PUBLIC_PAGE_SIZE = 12
STAFF_PAGE_SIZE = 30


# --- public -------------------------------------------------------------------------------------------


def _list_page(
    request: HttpRequest, *, items: Any, title: str, feed_url: str, context: dict[str, Any]
) -> HttpResponse:
    page = Paginator(items, PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "news/list.html",
        {"page": page, "title": title, "feed_url": feed_url, "feed_title": title, **context},
    )


@require_GET
def city_list(request: HttpRequest) -> HttpResponse:
    city = only_city(request)
    if city is None:
        return render(request, "news/cities.html", {"cities": City.objects.order_by("name", "id")})
    return _list_page(
        request,
        items=selectors.city_news(city_id=city.pk),
        title=_("News of %(place)s") % {"place": city},
        feed_url=reverse("news:city-feed") + f"?city={city.slug}",
        context={"city": city, "districts": District.objects.filter(city=city).order_by("number", "id")},
    )


@require_GET
def district_list(request: HttpRequest, slug: str) -> HttpResponse:
    district = get_object_or_404(District.objects.select_related("city"), slug=slug)
    return _list_page(
        request,
        items=selectors.district_news(district_id=district.pk),
        title=_("News of %(place)s") % {"place": district},
        feed_url=reverse("news:district-feed", kwargs={"slug": district.slug}),
        context={"district": district},
    )


@require_GET
def neighborhood_list(request: HttpRequest, slug: str) -> HttpResponse:
    neighborhood = neighborhood_get(slug=slug)
    return _list_page(
        request,
        items=selectors.neighborhood_news(
            neighborhood_id=neighborhood.pk, district_id=neighborhood.district_id
        ),
        title=_("News of %(place)s") % {"place": neighborhood.display_name},
        feed_url=reverse("news:neighborhood-feed", kwargs={"slug": neighborhood.slug}),
        context={"neighborhood": neighborhood},
    )


@require_GET
def detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    """Drafts, items in review, withdrawn and future items are 404 here; a wrong slug redirects."""
    item = selectors.public_item(pk=pk)
    if slug != item.slug:
        return redirect(item.get_absolute_url(), permanent=True)
    return render(
        request,
        "news/detail.html",
        {
            "item": item,
            "canonical": request.build_absolute_uri(item.get_absolute_url()),
            "may_work": may_write(request.user, item),
        },
    )


# --- staff --------------------------------------------------------------------------------------------


def _require_staff(user: Any) -> None:
    if not (
        user.is_superuser
        or any(h.role in DISTRICT_ROLES or h.role == Role.AREA_OFFICER for h in held_roles(user))
    ):
        raise PermissionDenied(_("The news pages are for district and area staff."))


@dataclass
class _Places:
    """Where a person may write news: whole districts and neighborhoods, as form choices."""

    districts: dict[str, District]
    neighborhoods: dict[str, Neighborhood]

    @classmethod
    def of(cls, user: Any) -> _Places:
        district_ids = {h.scope.district_id for h in held_roles(user) if h.role in DISTRICT_ROLES}
        area_ids = {h.scope.area_id for h in held_roles(user) if h.role == Role.AREA_OFFICER}
        districts = District.objects.filter(pk__in=district_ids).order_by("number", "id")
        hoods = (
            Neighborhood.objects.filter(Q(district_id__in=district_ids) | Q(area_id__in=area_ids))
            .select_related("district")
            .order_by("district__number", "name", "id")
        )
        return cls(
            districts={f"d{d.pk}": d for d in districts},
            neighborhoods={f"n{n.pk}": n for n in hoods},
        )

    def choices(self) -> list[tuple[str, str]]:
        whole = [(key, _("All of %(district)s") % {"district": d}) for key, d in self.districts.items()]
        return whole + [(key, f"{n.display_name} ({n.district})") for key, n in self.neighborhoods.items()]

    def key_of(self, item: NewsItem) -> str:
        return f"n{item.neighborhood_id}" if item.neighborhood_id else f"d{item.district_id}"

    def resolve(self, key: str, item: NewsItem | None) -> tuple[District, Neighborhood | None]:
        if key in self.neighborhoods:
            hood = self.neighborhoods[key]
            return hood.district, hood
        if key in self.districts:
            return self.districts[key], None
        if item is not None:
            return item.district, item.neighborhood
        raise ValidationError({"place": [_("Choose where the news is for.")]})


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    state = request.GET.get("state") or ""
    items = selectors.staff_news(user=request.user)
    if state in NewsState.values:
        items = items.filter(state=state)
    page = Paginator(items, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "news/staff_list.html",
        {"page": page, "states": NewsState.choices, "state": state, "now": timezone.now()},
    )


def _form_page(
    request: HttpRequest, form: NewsForm, item: NewsItem | None, *, status: int = 200
) -> HttpResponse:
    return render(request, "news/form.html", {"form": form, "item": item}, status=status)


def _handle_form(request: HttpRequest, places: _Places, item: NewsItem | None) -> HttpResponse:
    form = NewsForm(
        request.POST, request.FILES, places=places.choices(), has_image=bool(item and item.lead_image)
    )
    if not form.is_valid():
        return _form_page(request, form, item, status=400)
    data = form.cleaned_data
    try:
        district, neighborhood = places.resolve(data["place"], item)
        saved = news_save(
            actor=request.user,
            item=item,
            version=data.get("version"),
            district=district,
            neighborhood=neighborhood,
            title=data["title"],
            summary=data["summary"],
            body=data.get("body", ""),
            publish_at=form.publish_at(),
            lead_image=data.get("lead_image"),
            lead_image_alt=data.get("lead_image_alt", ""),
            remove_image=bool(data.get("remove_image")),
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _form_page(request, form, item, status=400)
    except ConflictError as exc:
        messages.error(request, exc.message)
        return redirect("news:staff-detail", pk=item.pk) if item else redirect("news:staff-list")
    messages.success(request, _("The news item “%(title)s” was saved.") % {"title": saved.title})
    return redirect("news:staff-detail", pk=saved.pk)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    places = _Places.of(request.user)
    if not places.neighborhoods and not places.districts:
        raise PermissionDenied(_("You cannot write news."))
    if request.method == "POST":
        return _handle_form(request, places, None)
    return _form_page(request, NewsForm(places=places.choices()), None)


def _staff_item(request: HttpRequest, pk: int) -> NewsItem:
    _require_staff(request.user)
    item = selectors.staff_news(user=request.user).filter(pk=pk).first()
    if item is None:
        raise Http404(_("There is no such news item among yours."))
    return item


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _staff_item(request, pk)
    if not may_write(request.user, item):
        raise PermissionDenied(_("You do not have permission to do this here."))
    if not item.is_draft:
        messages.error(request, _("Only a draft can be changed; send it back to draft first."))
        return redirect("news:staff-detail", pk=item.pk)
    places = _Places.of(request.user)
    if request.method == "POST":
        return _handle_form(request, places, item)
    moment = timezone.localtime(item.publish_at) if item.publish_at else None
    initial = {
        "place": places.key_of(item),
        "title": item.title,
        "summary": item.summary,
        "body": item.body,
        "publish_date": moment.date() if moment else None,
        "publish_time": moment.time().replace(second=0, microsecond=0) if moment else None,
        "lead_image_alt": item.lead_image_alt,
        "version": item.version,
    }
    form = NewsForm(initial=initial, places=places.choices(), has_image=bool(item.lead_image))
    return _form_page(request, form, item)


def _staff_page(
    request: HttpRequest,
    item: NewsItem,
    *,
    note_form: NoteForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    status: int = 200,
) -> HttpResponse:
    writer, reviewer, withdrawer = (
        may_write(request.user, item),
        may_review(request.user, item),
        may_withdraw(request.user, item),
    )
    in_review = item.state == NewsState.IN_REVIEW
    return render(
        request,
        "news/staff_detail.html",
        {
            "item": item,
            "may_edit": writer and item.is_draft,
            "may_submit": writer and item.is_draft,
            "may_review": reviewer and in_review,
            "author_waits": in_review and request.user.pk == item.author_id,
            "note_form": note_form or (NoteForm() if reviewer and in_review else None),
            "withdraw_form": withdraw_form
            or (WithdrawForm() if withdrawer and item.state != NewsState.WITHDRAWN else None),
            "is_public": item.state == NewsState.PUBLISHED
            and item.publish_at
            and item.publish_at <= timezone.now(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _staff_item(request, pk)
    if request.method == "GET":
        return _staff_page(request, item)
    action = request.POST.get("action", "")
    raw_version = request.POST.get("version") or ""
    version = int(raw_version) if raw_version.isdigit() else None
    form: Any = None
    try:
        if action == "submit":
            news_submit(actor=request.user, item=item, version=version)
            messages.success(request, _("The news item was sent for review."))
        elif action == "publish":
            news_publish(actor=request.user, item=item, version=version)
            messages.success(request, _("The news item was published."))
        elif action == "send-back":
            form = NoteForm(request.POST)
            if not form.is_valid():
                return _staff_page(request, item, note_form=form, status=400)
            news_send_back(actor=request.user, item=item, note=form.cleaned_data["note"], version=version)
            messages.success(request, _("The news item was sent back to its author."))
        elif action == "withdraw":
            form = WithdrawForm(request.POST)
            if not form.is_valid():
                return _staff_page(request, item, withdraw_form=form, status=400)
            news_withdraw(actor=request.user, item=item, reason=form.cleaned_data["reason"], version=version)
            messages.success(request, _("The news item was withdrawn."))
        else:
            messages.error(request, _("Unknown action."))
            return _staff_page(request, item, status=400)
    except ValidationError as exc:
        if form is None:
            messages.error(request, " ".join(exc.messages))
            return _staff_page(request, item, status=400)
        apply_service_errors(form, exc)
        bound = "note_form" if action == "send-back" else "withdraw_form"
        return _staff_page(request, item, status=400, **{bound: form})
    except ConflictError as exc:
        messages.error(request, exc.message)
        return _staff_page(request, _staff_item(request, pk), status=409)
    return redirect("news:staff-detail", pk=item.pk)
