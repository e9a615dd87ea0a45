"""The deputy's side of the demo city: its policies and circulars (some still unacknowledged), a year of
cultural-social programs, one completed and one open needs assessment, the districts' news, the year's
indicator targets, and every indicator value computed for the months the demo covers — so every dashboard
is alive on first run.

Runs after the reports, councils and referrals (the indicators are computed from them). Each part does
nothing when its data is already there, so the stage is safe to run again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.demo.city import CITY_SLUG
from mahalat.demo.identity_loader import load_demo_identity
from mahalat.demo.insights_loader import load_demo_targets
from mahalat.demo.news_loader import load_demo_news
from mahalat.demo.policies_loader import load_demo_policies
from mahalat.demo.programs_loader import load_demo_programs
from mahalat.demo.surveys_loader import load_demo_surveys
from mahalat.insights.models import IndicatorValue
from mahalat.insights.refresh import indicators_refresh
from mahalat.territory.models import City


@dataclass
class DemoDeputySummary:
    lines: list[str] = field(default_factory=list)
    indicator_rows: int = 0
    months: int = 0
    seconds: float = 0.0


def demo_deputy_load() -> DemoDeputySummary:
    """Load the deputy's demo data into the demo city and compute its indicators (see the docstring)."""
    started = time.monotonic()
    city = City.objects.filter(slug=CITY_SLUG, is_demo=True).first()
    if city is None:
        raise ValidationError(_("The demo city is not loaded; load it first with: manage.py load_demo_city"))
    now = timezone.now()
    summary = DemoDeputySummary()
    summary.lines.append(load_demo_policies(city=city, now=now))
    summary.lines.append(load_demo_programs(city=city, now=now))
    summary.lines.append(load_demo_surveys(city=city, now=now))
    summary.lines.append(load_demo_news(city=city, now=now))
    # After the news: that loader makes sure every district has an officer to propose edits.
    summary.lines.append(load_demo_identity(city=city, now=now))
    # Values first, so the targets can be chosen against what the city actually achieved.
    indicators_refresh(city=city, now=now, full=True)
    summary.lines.append(load_demo_targets(city=city, now=now))
    summary.indicator_rows = IndicatorValue.objects.filter(city=city).count()
    summary.months = IndicatorValue.objects.filter(city=city).values("year", "month").distinct().count()
    summary.seconds = time.monotonic() - started
    return summary
