"""Pages of agencies and referrals, each part in its own module (all under the `referrals` namespace)."""

from __future__ import annotations

from mahalat.referrals import urls_integration, urls_registry, urls_scorecard, urls_work

app_name = "referrals"

urlpatterns = [
    *urls_work.urlpatterns,
    *urls_registry.urlpatterns,
    *urls_integration.urlpatterns,
    *urls_scorecard.urlpatterns,
]
