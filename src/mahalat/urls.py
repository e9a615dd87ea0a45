from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.i18n import set_language

urlpatterns = [
    path("", include("mahalat.portal.urls")),
    path("", include("mahalat.portal.urls_public")),
    path("accounts/", include("mahalat.accounts.urls")),
    # Each council app owns its public paths and its paths under workspace/; listed before the
    # workspace app, whose workspace/<slug>/ would otherwise catch them.
    path("", include("mahalat.councils.urls")),
    path("", include("mahalat.elections.urls")),
    path("", include("mahalat.meetings.urls")),
    path("", include("mahalat.resolutions.urls")),
    path("", include("mahalat.referrals.urls")),
    path("", include("mahalat.policies.urls")),
    path("", include("mahalat.programs.urls")),
    path("", include("mahalat.news.urls")),
    path("", include("mahalat.surveys.urls")),
    path("", include("mahalat.insights.urls")),
    path("workspace/", include("mahalat.workspace.urls")),
    path("notifications/", include("mahalat.notifications.urls")),
    path("", include("mahalat.api.urls")),
    path("open311/v2/", include("mahalat.open311.urls")),
    # One sign-in page for everyone (throttled, by mobile number), the admin's included.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/", admin.site.urls),
    path(
        "favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}mahalat/favicon.svg", permanent=True)
    ),
    # Choosing a language changes nothing but a cookie, so the switch needs no CSRF token: a public page
    # then holds no per-visitor token and can be kept for every visitor (mahalat.answer_cache).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
]
if settings.BENCHMARK_FLOOR:
    from mahalat.floor import floor

    urlpatterns.append(path("bench/floor/<int:pk>/", floor, name="bench-floor"))
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.site_header = _("Mahalat administration")
admin.site.site_title = _("Mahalat")
admin.site.index_title = _("Configuration and accounts")
