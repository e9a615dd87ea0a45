"""The signed-in person's in-app notifications. Thin: reads from selectors, writes from services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mahalat.notifications import selectors
from mahalat.notifications.preferences import channel_enabled, user_choices
from mahalat.notifications.rendering import render_notification
from mahalat.notifications.services import (
    current_language,
    notification_mark_all_read,
    notification_mark_read,
    notification_preference_set,
)
from mahalat.persian.digits import localize_digits

PAGE_SIZE = 20


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    notifications = selectors.notifications_for(user=request.user, unread_only=unread_only)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    language = current_language()
    # Shown in the page's language, whatever language the notification was enqueued in.
    name = request.user.full_name
    items = [
        {"notification": n, "text": render_notification(n, language=language, recipient_name=name)}
        for n in page.object_list
    ]
    return render(
        request,
        "notifications/list.html",
        {"page": page, "items": items, "unread_only": unread_only},
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    # Someone else's notification is "not found": its existence is not revealed.
    notification = selectors.notifications_for(user=request.user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404(_("There is no such notification."))
    notification_mark_read(actor=request.user, notification=notification)
    return _back(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notification_mark_all_read(actor=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)s notification was marked as read.",
                "%(count)s notifications were marked as read.",
                count,
            )
            % {"count": localize_digits(count)},
        )
    return _back(request)


# The topics a person can choose channels for, by kind prefix.
PREFERENCE_TOPICS: list[tuple[str, Any]] = [
    ("reports.report", gettext_lazy("The progress of reports I filed or follow")),
    ("reports.escalation", gettext_lazy("Overdue reports in my area of responsibility")),
]
PREFERENCE_CHANNELS: list[tuple[str, Any]] = [("sms", gettext_lazy("SMS")), ("email", gettext_lazy("Email"))]


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """Which topics reach the person by SMS and by email (in the app, everything always does)."""
    choices = user_choices(request.user)
    rows = [
        {
            "prefix": prefix,
            "label": label,
            "cells": [
                {
                    "channel": channel,
                    "label": channel_label,
                    "name": f"{prefix}|{channel}",
                    "enabled": channel_enabled(kind=prefix, channel=channel, choices=choices),
                }
                for channel, channel_label in PREFERENCE_CHANNELS
            ],
        }
        for prefix, label in PREFERENCE_TOPICS
    ]
    if request.method == "POST":
        for row in rows:
            for cell in row["cells"]:
                wanted = request.POST.get(cell["name"]) == "on"
                if wanted != cell["enabled"]:
                    notification_preference_set(
                        actor=request.user,
                        user=request.user,
                        kind_prefix=row["prefix"],
                        channel=cell["channel"],
                        enabled=wanted,
                    )
        messages.success(request, _("Your choices were saved."))
        return redirect("notifications:preferences")
    return render(
        request, "notifications/preferences.html", {"rows": rows, "has_email": bool(request.user.email)}
    )
