"""The neighborhood's home page, and following a neighborhood from it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mahalat.notifications.selectors import is_following
from mahalat.notifications.services import neighborhood_follow, neighborhood_unfollow
from mahalat.portal.neighborhood_page import neighborhood_page
from mahalat.territory.selectors import neighborhood_get


@require_GET
def neighborhood(request: HttpRequest, slug: str) -> HttpResponse:
    """The neighborhood's home: its identity, council, numbers, resolutions, reports, programs and news."""
    found = neighborhood_get(slug=slug)
    following = request.user.is_authenticated and is_following(user=request.user, neighborhood=found)
    context = {"neighborhood": found, "following": following, "page": neighborhood_page(neighborhood=found)}
    return render(request, "portal/neighborhood.html", context)


@login_required
@require_POST
def neighborhood_follow_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Follow or stop following (`action=unfollow`) the neighborhood, then back to its page."""
    found = neighborhood_get(slug=slug)
    if request.POST.get("action") == "unfollow":
        neighborhood_unfollow(actor=request.user, neighborhood=found)
        messages.success(request, _("You no longer follow %(name)s.") % {"name": found})
    else:
        neighborhood_follow(actor=request.user, neighborhood=found)
        messages.success(
            request,
            _(
                "You follow %(name)s: its news, new minutes, resolutions, programs and solved problems "
                "will reach you."
            )
            % {"name": found},
        )
    return redirect("portal:neighborhood", slug=found.slug)
