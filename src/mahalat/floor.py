"""The benchmark's floor: the fastest a request through this project's full stack can be.

One indexed primary-key query and a small JSON body, behind the same middleware as every page. It is
routed only when the `MAHALAT_BENCHMARK_FLOOR` setting is on (see `bench/run.py`); production never
serves it.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from mahalat.territory.models import Neighborhood


def floor(request: HttpRequest, pk: int) -> JsonResponse:
    row = Neighborhood.objects.filter(pk=pk).values_list("pk", "slug").first()
    if row is None:
        return JsonResponse({"id": None}, status=404)
    return JsonResponse({"id": row[0], "slug": row[1]})
