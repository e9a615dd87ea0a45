"""An agency's integration page and its webhook delivery log.

- `/agencies/<id>/integration/`: the agency's liaisons and the city's administrators set where its system
  receives referrals (and whether it does), rotate the signing secret, issue and revoke the system's API
  tokens and send a test event. A new secret or token is shown once, in the answer to the POST that made
  it, and never stored anywhere the page could show it again (pages are not cached).
- `/agencies/<id>/deliveries/`: the delivery log, for the liaisons and administrators (every row) and
  the district and area staff (rows of referrals sent from their own district or area).

Thin: reads from `delivery_selectors`, writes through the services (each checks permission again).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.models import ApiToken
from mahalat.accounts.rules import has_permission
from mahalat.referrals.delivery_selectors import agency_deliveries
from mahalat.referrals.models import Agency, DeliveryState
from mahalat.referrals.services import (
    agency_integration_set,
    agency_token_issue,
    agency_token_revoke,
    agency_webhook_secret_rotate,
)
from mahalat.referrals.webhooks import webhook_send_test

PAGE_SIZE = 50
TOKENS_SHOWN = 50
MANAGE = "referrals.manage_integration"


class IntegrationForm(forms.Form):
    # The service validates the address (scheme, form, length); the form only bounds what is read.
    webhook_url = forms.CharField(
        label=gettext_lazy("Webhook address"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Referrals are POSTed here, signed. Use https:// in production."),
        widget=forms.TextInput(attrs={"class": "form-control", "dir": "ltr", "inputmode": "url"}),
    )
    webhook_active = forms.BooleanField(
        label=gettext_lazy("Deliver referrals to this address"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the system"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class DeliveryFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("All")), *DeliveryState.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def _agency_or_404(agency_id: int) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise Http404(_("There is no such agency."))
    return agency


def _managed_agency(request: HttpRequest, agency_id: int) -> Agency:
    agency = _agency_or_404(agency_id)
    if not has_permission(request.user, MANAGE, agency):
        raise PermissionDenied(_("Only the agency's liaisons and the administrators manage its integration."))
    return agency


def _integration_page(
    request: HttpRequest,
    agency: Agency,
    *,
    form: IntegrationForm | None = None,
    token_form: TokenForm | None = None,
    revealed_secret: str = "",
    revealed_token: str = "",
    status: int = 200,
) -> HttpResponse:
    tokens = list(
        ApiToken.objects.filter(agency=agency).select_related("user").order_by("-created_at")[:TOKENS_SHOWN]
    )
    return render(
        request,
        "referrals/integration.html",
        {
            "agency": agency,
            "form": form
            or IntegrationForm(
                initial={"webhook_url": agency.webhook_url, "webhook_active": agency.webhook_active}
            ),
            "token_form": token_form or TokenForm(),
            "tokens": tokens,
            "may_issue_tokens": has_permission(request.user, "governance.act_for_agency", agency),
            "has_secret": bool(agency.webhook_secret),
            "revealed_secret": revealed_secret,
            "revealed_token": revealed_token,
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def integration(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _managed_agency(request, agency_id)
    if request.method != "POST":
        return _integration_page(request, agency)
    form = IntegrationForm(request.POST)
    if not form.is_valid():
        return _integration_page(request, agency, form=form, status=400)
    had_secret = bool(agency.webhook_secret)
    try:
        agency = agency_integration_set(
            actor=request.user,
            agency=agency,
            webhook_url=form.cleaned_data["webhook_url"],
            webhook_active=form.cleaned_data["webhook_active"],
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _integration_page(request, agency, form=form, status=400)
    messages.success(request, _("The integration settings are saved."))
    if not had_secret and agency.webhook_secret:
        # The first secret is made with the first address: this answer is the only time it is shown.
        return _integration_page(request, agency, revealed_secret=agency.webhook_secret)
    return redirect("referrals:integration", agency_id=agency.pk)


@login_required
@never_cache
@require_POST
def secret_rotate(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _managed_agency(request, agency_id)
    secret = agency_webhook_secret_rotate(actor=request.user, agency=agency)
    agency.webhook_secret = secret
    messages.warning(request, _("A new signing secret is made; the old one no longer signs anything."))
    return _integration_page(request, agency, revealed_secret=secret)


@login_required
@never_cache
@require_POST
def token_issue(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _managed_agency(request, agency_id)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _integration_page(request, agency, token_form=form, status=400)
    key, _token = agency_token_issue(actor=request.user, agency=agency, name=form.cleaned_data["name"])
    messages.success(request, _("The token is issued. Copy it now: it is not shown again."))
    return _integration_page(request, agency, revealed_token=key)


@login_required
@never_cache
@require_POST
def token_revoke(request: HttpRequest, agency_id: int, token_id: int) -> HttpResponse:
    agency = _managed_agency(request, agency_id)
    token = ApiToken.objects.filter(pk=token_id, agency=agency).first()
    if token is None:
        raise Http404(_("There is no such token of this agency."))
    agency_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token is revoked; the system can no longer use it."))
    return redirect("referrals:integration", agency_id=agency.pk)


@login_required
@never_cache
@require_POST
def test_event(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _managed_agency(request, agency_id)
    try:
        webhook_send_test(actor=request.user, agency=agency)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("referrals:integration", agency_id=agency.pk)
    messages.success(request, _("A test event is sent; its outcome is in the delivery log."))
    return redirect("referrals:deliveries", agency_id=agency.pk)


def _query_without_page(request: HttpRequest) -> str:
    query: QueryDict = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def deliveries(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _agency_or_404(agency_id)
    form = DeliveryFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_bound and form.is_valid() else ""
    rows = agency_deliveries(user=request.user, agency=agency, state=state or None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "agency": agency,
        "form": form,
        "page": page,
        "deliveries": list(page.object_list),
        "page_query": _query_without_page(request),
        "may_manage": has_permission(request.user, MANAGE, agency),
    }
    return render(request, "referrals/deliveries.html", context)
