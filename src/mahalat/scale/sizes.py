"""The named sizes of the scale data set, in one table, so that the generator and the benchmark agree
on what "city" means."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class ScaleSize:
    name: str
    cities: int
    districts: int  # per city
    areas: int  # per city
    neighborhoods: int  # per city
    reports: int  # per city
    report_years: int
    residents: int  # per city
    agencies: int  # per city
    council_years: int
    # Grid of neighborhood cells: columns × rows ≥ neighborhoods.
    columns: int
    rows: int

    def scaled(self, fraction: float) -> ScaleSize:
        """The same territory and councils with a fraction of the reports (and of the residents)."""
        return replace(
            self,
            reports=max(1, round(self.reports * fraction)),
            residents=max(50, round(self.residents * fraction)),
        )


SMALL = ScaleSize(
    name="small",
    cities=1,
    districts=2,
    areas=6,
    neighborhoods=20,
    reports=2_000,
    report_years=3,
    residents=400,
    agencies=6,
    council_years=2,
    columns=5,
    rows=4,
)
CITY = ScaleSize(
    name="city",
    cities=1,
    districts=22,
    areas=120,
    neighborhoods=400,
    reports=1_000_000,
    report_years=3,
    residents=150_000,
    agencies=30,
    council_years=5,
    columns=20,
    rows=20,
)
# Fifty cities of the city's shape, each with a tenth of its reports.
COUNTRY = replace(CITY, name="country", cities=50, reports=100_000, residents=15_000)

SIZES: dict[str, ScaleSize] = {size.name: size for size in (SMALL, CITY, COUNTRY)}
