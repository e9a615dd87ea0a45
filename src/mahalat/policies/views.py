"""Pages of policies and circulars: the list (the deputy's with the districts still silent; a district's
with its acknowledge buttons), one document's page with its acknowledgement table, the draft form, and
the publish, withdraw and acknowledge actions.

Thin: reads come from `policies.selectors`, every write goes through `policies.services`, which check
permission; this module only turns requests into calls and answers.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.rules import has_permission
from mahalat.councils.selectors import policy_in_force
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.policies import selectors, services
from mahalat.policies.forms import PolicyFilterForm, PolicyForm, WithdrawForm
from mahalat.policies.models import Policy, PolicyKind, PolicyState
from mahalat.territory.models import City, District
from mahalat.uploads import document_response
from mahalat.worktime.calendar import local_date

PAGE_SIZE = 25
STATE_BADGES = {
    PolicyState.DRAFT: "text-bg-secondary",
    PolicyState.PUBLISHED: "text-bg-success",
    PolicyState.WITHDRAWN: "text-bg-dark",
}


def _city(request: HttpRequest) -> City:
    """The city whose policies the person reads (`?city=<slug>` when they have several)."""
    cities = selectors.reader_cities(request.user)
    wanted = request.GET.get("city")
    city = next((c for c in cities if c.slug == wanted), None) if wanted else (cities[0] if cities else None)
    if city is None:
        raise PermissionDenied(_("Policies and circulars are read by the municipality's staff."))
    return city


@login_required
@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    city = _city(request)
    reader = selectors.reader_for(request.user, city)
    form = PolicyFilterForm(request.GET or None)
    qs = selectors.policy_list(
        reader=reader,
        kind=form.value_of("kind"),
        state=form.value_of("state"),
        pending_only=bool(form.value_of("pending")),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = local_date(timezone.now())
    for policy in page.object_list:
        policy.state_badge = STATE_BADGES.get(policy.state, "")
        policy.days_out = (today - local_date(policy.published_at)).days if policy.published_at else None
    can_author = has_permission(request.user, "policies.author_policy", Policy(city=city))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "policies/list.html",
        {
            "city": city,
            "reader": reader,
            "form": form,
            "page": page,
            "page_query": query.urlencode(),
            "can_author": can_author,
            # The deputy's panel: what districts have not acknowledged, the longest waiting first.
            "unacknowledged": selectors.unacknowledged(city_id=city.pk) if reader.city_wide else [],
        },
    )


def _form(policy: Policy | None, city: City, data: Any = None, files: Any = None) -> PolicyForm:
    districts = list(District.objects.filter(city_id=city.pk).order_by("number", "id"))
    existing = list(policy.attachments.all()) if policy is not None else []
    initial = PolicyForm.initial_for(policy) if policy is not None else {"kind": PolicyKind.CIRCULAR}
    return PolicyForm(
        data,
        files,
        initial=initial,
        districts=districts,
        existing=existing,
        rule_defaults=policy_in_force(city_id=city.pk),
    )


def _edit(request: HttpRequest, city: City, policy: Policy | None) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = _form(policy, city, request.POST, request.FILES)
        status = 400
        if form.is_valid():
            try:
                saved = services.policy_save(
                    actor=request.user, city=city, policy=policy, **form.service_kwargs()
                )
            except ConflictError as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The draft was saved."))
                return redirect("policies:detail", pk=saved.pk)
    else:
        form = _form(policy, city)
    return render(
        request, "policies/form.html", {"form": form, "policy": policy, "city": city}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_create(request: HttpRequest) -> HttpResponse:
    city = _city(request)
    if not has_permission(request.user, "policies.author_policy", Policy(city=city)):
        raise PermissionDenied(_("Only the Cultural-Social Deputy writes policies and circulars."))
    return _edit(request, city, None)


def _authored(request: HttpRequest, pk: int) -> Policy:
    policy = selectors.policy_for_view(user=request.user, policy_id=pk)
    if not has_permission(request.user, "policies.author_policy", policy):
        raise PermissionDenied(_("Only the Cultural-Social Deputy writes policies and circulars."))
    return policy


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _authored(request, pk)
    if policy.state != PolicyState.DRAFT:
        messages.error(request, _("Only a draft can be changed; this one is already published."))
        return redirect("policies:detail", pk=pk)
    return _edit(request, policy.city, policy)


def _detail(request: HttpRequest, policy: Policy, *, status: int = 200, **extra: Any) -> HttpResponse:
    user = request.user
    today = local_date(timezone.now())
    acks = list(policy.acknowledgements.all())
    published_on = local_date(policy.published_at) if policy.published_at else None
    for ack in acks:
        ack.days_waiting = (today - published_on).days if published_on and not ack.acknowledged_at else None
    reader = selectors.reader_for(user, policy.city) if user.is_authenticated else None
    mine = [
        a
        for a in acks
        if reader is not None and a.district_id in reader.acknowledging_ids and a.acknowledged_at is None
    ]
    can_author = has_permission(user, "policies.author_policy", policy)
    context = {
        "policy": policy,
        "state_badge": STATE_BADGES.get(policy.state, ""),
        "acks": acks,
        "pending": sum(1 for a in acks if a.acknowledged_at is None),
        "attachments": list(policy.attachments.all()),
        "targets": list(policy.target_districts.all()),
        "can_author": can_author,
        "to_acknowledge": mine if policy.state == PolicyState.PUBLISHED else [],
        # The acknowledgement table is internal: a public reader sees the text and the attachments.
        "internal": reader is not None
        and (reader.city_wide or bool(reader.district_ids & policy.addressed_district_ids)),
        "withdraw_form": extra.pop("withdraw_form", None) or WithdrawForm(),
        "action_errors": extra.pop("action_errors", []),
        **extra,
    }
    return render(request, "policies/detail.html", context, status=status)


@require_GET
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A published policy is public; everything else needs a reader of the city (404 otherwise)."""
    policy = selectors.policy_for_view(user=request.user, policy_id=pk)
    return _detail(request, policy)


@login_required
@require_POST
def policy_publish(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _authored(request, pk)
    try:
        services.policy_publish(actor=request.user, policy=policy)
    except (ValidationError, TransitionNotAllowed) as exc:
        errors = exc.messages if isinstance(exc, ValidationError) else [exc.message]
        fresh = selectors.policy_for_view(user=request.user, policy_id=pk)
        return _detail(request, fresh, status=400, action_errors=errors)
    messages.success(request, _("Published. The target districts were told."))
    return redirect("policies:detail", pk=pk)


@login_required
@require_POST
def policy_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _authored(request, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.policy_withdraw(actor=request.user, policy=policy, reason=form.cleaned_data["reason"])
        except TransitionNotAllowed as exc:
            return _detail(request, policy, status=409, action_errors=[exc.message])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Withdrawn. The target districts were told."))
            return redirect("policies:detail", pk=pk)
    return _detail(request, policy, status=400, withdraw_form=form)


@login_required
@require_POST
def policy_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    policy = selectors.policy_for_view(user=request.user, policy_id=pk)
    raw = request.POST.get("district", "")
    district = District.objects.filter(pk=int(raw), city_id=policy.city_id).first() if raw.isdigit() else None
    if district is None:
        return _detail(request, policy, status=400, action_errors=[_("Choose your district.")])
    try:
        services.policy_acknowledge(actor=request.user, policy=policy, district=district)
    except (ConflictError, TransitionNotAllowed) as exc:
        fresh = selectors.policy_for_view(user=request.user, policy_id=pk)
        return _detail(request, fresh, status=409, action_errors=[exc.message])
    messages.success(request, _("Acknowledged for %(district)s.") % {"district": district})
    if request.POST.get("next") == "list":
        return redirect("policies:list")
    return redirect("policies:detail", pk=pk)


@require_GET
@never_cache
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """An attachment, for those who may read the policy; from the private storage, never cached."""
    policy = selectors.policy_for_view(user=request.user, policy_id=pk)
    attachment = next((a for a in policy.attachments.all() if a.pk == attachment_id), None)
    if attachment is None:
        raise Http404(_("There is no such attachment."))
    return document_response(
        file=attachment.file, content_type=attachment.content_type, name=f"policy-{policy.pk}-{attachment.pk}"
    )
