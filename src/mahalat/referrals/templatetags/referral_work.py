"""What the agency workspace shows of its inbox: how many referrals are new and how many are overdue."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from mahalat.referrals.models import Referral, ReferralState
from mahalat.referrals.selectors import overdue_q

register = template.Library()


@register.simple_tag
def agency_referral_counts(agency: Any) -> dict[str, int]:
    """{"new": sent and not yet acknowledged, "overdue": open past a binding deadline}; one query."""
    if agency is None:
        return {"new": 0, "overdue": 0}
    return Referral.objects.filter(target_agency_id=agency.pk).aggregate(
        new=Count("id", filter=Q(state=ReferralState.SENT)),
        overdue=Count("id", filter=overdue_q(timezone.now())),
    )
