"""The signed-in person's in-app notifications. Thin: reads from selectors, writes from services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from mahalat.notifications import selectors
from mahalat.notifications.rendering import render_notification
from mahalat.notifications.services import (
    current_language,
    notification_mark_all_read,
    notification_mark_read,
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
