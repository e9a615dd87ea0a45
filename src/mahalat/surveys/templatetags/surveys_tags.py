"""`{% open_surveys neighborhood %}`: the neighborhood's open needs assessments, for its public page."""

from __future__ import annotations

from typing import Any

from django import template

from mahalat.surveys.selectors import open_surveys as open_surveys_of

register = template.Library()


@register.inclusion_tag("surveys/_open_list.html")
def open_surveys(neighborhood: Any) -> dict[str, Any]:
    return {"surveys": open_surveys_of(neighborhood_id=neighborhood.pk)}
