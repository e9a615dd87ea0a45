"""Signing in (password or SMS code), signing up, resetting a password, signing out. Thin: the
work is in accounts.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mahalat.accounts import services
from mahalat.accounts.forms import (
    CodeForm,
    LoginForm,
    PasswordResetForm,
    PhoneOnlyForm,
    SignupForm,
    apply_service_errors,
)
from mahalat.errors import ThrottledError

_BACKEND = "mahalat.accounts.backends.PhoneBackend"


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("workspace:home")


def _throttled(request: HttpRequest, template: str, form: object, exc: ThrottledError) -> HttpResponse:
    form.add_error(None, exc.message)  # type: ignore[attr-defined]
    response = render(request, template, {"form": form, "next": _next_url(request)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_authenticate(
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
                client_ip=_client_ip(request),
            )
        except ThrottledError as exc:
            return _throttled(request, "accounts/login.html", form, exc)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            login(request, user, backend=_BACKEND)
            return HttpResponseRedirect(_next_url(request))
    status = 400 if form.errors else 200
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)}, status=status)


@require_http_methods(["GET", "POST"])
def code_request_view(request: HttpRequest) -> HttpResponse:
    form = PhoneOnlyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.otp_request(
                phone=form.cleaned_data["phone"], purpose="login", client_ip=_client_ip(request)
            )
        except ThrottledError as exc:
            return _throttled(request, "accounts/code_request.html", form, exc)
        messages.info(request, _("If this number has an account, a sign-in code has been sent to it by SMS."))
        code_form = CodeForm(initial={"phone": form.cleaned_data["phone"]})
        return render(request, "accounts/code_verify.html", {"form": code_form, "next": _next_url(request)})
    status = 400 if form.errors else 200
    return render(
        request, "accounts/code_request.html", {"form": form, "next": _next_url(request)}, status=status
    )


@require_POST
def code_verify_view(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            user = services.otp_verify(
                phone=form.cleaned_data["phone"],
                code=form.cleaned_data["code"],
                purpose="login",
                client_ip=_client_ip(request),
            )
        except ThrottledError as exc:
            return _throttled(request, "accounts/code_verify.html", form, exc)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            login(request, user, backend=_BACKEND)
            return HttpResponseRedirect(_next_url(request))
    return render(
        request, "accounts/code_verify.html", {"form": form, "next": _next_url(request)}, status=400
    )


@require_http_methods(["GET", "POST"])
def password_reset_request_view(request: HttpRequest) -> HttpResponse:
    form = PhoneOnlyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.otp_request(
                phone=form.cleaned_data["phone"], purpose="reset", client_ip=_client_ip(request)
            )
        except ThrottledError as exc:
            return _throttled(request, "accounts/password_reset_request.html", form, exc)
        messages.info(request, _("If this number has an account, a reset code has been sent to it by SMS."))
        reset_form = PasswordResetForm(initial={"phone": form.cleaned_data["phone"]})
        return render(request, "accounts/password_reset_complete.html", {"form": reset_form})
    status = 400 if form.errors else 200
    return render(request, "accounts/password_reset_request.html", {"form": form}, status=status)


@require_POST
def password_reset_complete_view(request: HttpRequest) -> HttpResponse:
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            services.password_reset_complete(
                phone=form.cleaned_data["phone"],
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password1"],
                client_ip=_client_ip(request),
            )
        except ThrottledError as exc:
            return _throttled(request, "accounts/password_reset_complete.html", form, exc)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Your password has been changed. Sign in with the new one."))
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_complete.html", {"form": form}, status=400)


@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                phone=data["phone"],
                password=data["password1"],
                full_name=data["full_name"],
                national_code=data["national_code"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            login(request, user, backend=_BACKEND)
            messages.success(request, _("Welcome! Your account has been created."))
            return redirect("workspace:home")
    status = 400 if form.errors else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("portal:home")
