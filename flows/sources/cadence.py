"""When each source should land a file and publish its next period: the one table of cadences.

Two different questions, each with its own answer per source:

- landing: a new file is expected every `landing_days` (the run's own inputs arriving);
- data: a new period every `cadence_days`, published `lag_days` after it ends. The data is late
  once today is past `expected_by(latest period end)` = latest period end + cadence + lag, i.e.
  the next period should have been out by then and the warehouse does not hold it.

Every lag says where it comes from; where no publisher's commitment was found, it says so and
states the assumption.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Schedule:
    """Cadence of a source's data, its usual publication lag and why, and its landing cadence."""

    cadence_days: int  # a new period of data every this many days
    lag_days: int  # days after a period ends until the publisher has it out
    lag_basis: str  # where the lag comes from (publisher, evidence, or the stated assumption)
    landing_days: int  # a new file is expected every this many days

    def expected_by(self, latest_period_end: date) -> date:
        """The date by which the period after `latest_period_end` should be published."""
        return latest_period_end + timedelta(days=self.cadence_days + self.lag_days)


SCHEDULES: dict[str, Schedule] = {
    "censtatd": Schedule(
        cadence_days=92,
        lag_days=35,
        lag_basis=(
            "C&SD issues its advance GDP estimate of a quarter about a month after the quarter "
            "ends; the snapshot's release-dated 310-30001 files show 28-34 days (Q4 2022 on "
            "2023-02-01, Q3 2023 on 2023-10-31, Q2 2024 on 2024-07-31, Q4 2024 on 2025-02-03)"
        ),
        landing_days=92,
    ),
    "hkma": Schedule(
        cadence_days=31,
        lag_days=14,
        lag_basis=(
            "HKMA's Monthly Statistical Bulletin (er-eeri-endperiod): the month-end rate is the "
            "last day of its er-eeri-daily series, online that day (the snapshot's 2026-03 rate "
            "was read on 2026-03-31); two weeks for the monthly dataset is our assumption"
        ),
        landing_days=31,
    ),
    "itf": Schedule(
        cadence_days=366,
        lag_days=92,
        lag_basis=(
            "ITF's annual list of approved projects (annuallist_<year>_e.csv) covers one "
            "calendar year; no publication date was found, so a quarter after the year ends is "
            "our assumption"
        ),
        landing_days=366,
    ),
    "gia": Schedule(
        cadence_days=1,
        lag_days=1,
        lag_basis=(
            "GIA issues press releases every day, weekends included (e.g. the weather reports), "
            "and its RSS feeds carry them as issued; one day covers the Hong Kong/UTC date shift"
        ),
        landing_days=1,
    ),
    "published": Schedule(
        cadence_days=366,
        lag_days=183,
        lag_basis=(
            "figures analysts copy from publications (published/figures.csv): the Hong Kong "
            "Yearbook's appendix tables and C&SD's annual series cover a calendar year; half a "
            "year to publish them and add them here is our assumption"
        ),
        landing_days=366,
    ),
    "register": Schedule(
        cadence_days=120,
        lag_days=30,
        lag_basis=(
            "the analysts' own cadence, our assumption: the bundled register's announcements of "
            "Aug 2023 to Apr 2025 came a median 29 and at most 141 days apart, so a newest "
            "announcement older than 120 days + 30 days to add it means the register is behind; "
            "the file itself is edited every working day"
        ),
        landing_days=1,
    ),
}
