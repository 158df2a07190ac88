"""The report benchmark: the reports page for a year of 100,000 contact records (docs/performance.md).

    manage.py bench report [--records 100000] [--repeats 5] [--database-url URL|private]

Like the load benchmark it starts from nothing: a fresh SQLite database (or
PostgreSQL) in a temporary directory, migrate and seed_demo, then, in a child
process with that database, `bench report-run`: made-up records over the
year 2026 at Jokilaakso's three desks (stats.sample_records, seeded), the demo admin
logged in through the real login form and TOTP step, and the page asked
through Django's test client (every middleware, the view, the template) as
many times as asked, with the CSV and XLSX exports once each. The figures are
wall-clock seconds per request in this one process; the first request of a
process also builds its templates and translations, so it is reported apart.

The page is measured as a running service has it: after `refresh_rollups`
(the service's timer) has built the months' rollups (stats.rollups). Before
that, once, as right after the records were written (every month stale,
counted from the records); and a period ending mid-month, whose last days
are always counted from the records.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from dataclasses import dataclass

from django.db import connection, reset_queries
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

YEAR = 2026
QUERY = f"?since=1.1.{YEAR}&until=31.12.{YEAR}"
MID_MONTH_QUERY = f"?since=1.1.{YEAR}&until=15.12.{YEAR}"


@dataclass
class ReportBench:
    records: int
    first: float
    times: list[float]
    cpu: list[float]
    queries: int
    html_bytes: int
    csv_seconds: float
    xlsx_seconds: float
    database: str
    stale_seconds: float
    refresh_seconds: float
    months_built: int
    mid_month: list[float]

    def text(self) -> str:
        median = statistics.median(self.times)
        return "\n".join(
            [
                f"report page, a year of {self.records:,} contact records ({self.database})",
                f"  before the rollups were built (every month counted from the records): {self.stale_seconds:.3f} s",
                f"  refresh_rollups: {self.months_built} months in {self.refresh_seconds:.3f} s",
                f"  first request of the process after that: {self.first:.3f} s",
                f"  then {len(self.times)} requests: median {median:.3f} s, "
                f"min {min(self.times):.3f} s, max {max(self.times):.3f} s",
                f"  CPU time of this process per request (SQLite runs in it; PostgreSQL's own is not counted): "
                f"median {statistics.median(self.cpu):.3f} s",
                f"  load average while measuring: {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
                f"  SQL statements per page: {self.queries}; page size {self.html_bytes / 1024:.0f} KiB",
                f"  1.1.-15.12. (the last 15 days from the records): median {statistics.median(self.mid_month):.3f} s",
                f"  CSV export {self.csv_seconds:.3f} s, XLSX export {self.xlsx_seconds:.3f} s",
            ]
        )


def seed_records(count: int) -> None:
    """`count` records over YEAR at Jokilaakso's desks, once (a second run reuses them)."""
    from desks.models import Desk
    from stats.models import Category, ContactRecord, Municipality
    from stats.sample_records import make_records

    if ContactRecord.objects.count() >= count:
        return
    for code, name in (("091", "Helsinki"), ("049", "Espoo"), ("092", "Vantaa"), ("235", "Kauniainen")):
        Municipality.objects.get_or_create(code=code, defaults={"name": name})
    desks = list(Desk.objects.filter(organisation__slug="jokilaakso"))
    organisation = desks[0].organisation
    categories = [
        Category.objects.get_or_create(organisation=organisation, name=name)[0]
        for name in ("Opiskelu", "Työ", "Raha", "Asuminen", "Ihmissuhteet", "Jaksaminen")
    ]
    make_records(
        count - ContactRecord.objects.count(),
        desks,
        since=dt.date(YEAR, 1, 1),
        until=dt.date(YEAR, 12, 31),
        categories=categories,
        batch_size=5000,
    )


def logged_in_admin() -> HttpClient:
    """The demo admin through the real login form and its TOTP step, in English."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from demo.data import DEMO_PASSWORD

    http = HttpClient(HTTP_HOST="localhost")  # one of the default ALLOWED_HOSTS
    http.cookies["django_language"] = "en"
    assert http.post("/staff/login/", {"username": "admin", "password": DEMO_PASSWORD}).status_code == 302
    device = TOTPDevice.objects.get(user__username="admin")
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    assert http.post("/staff/login/code/", {"token": f"{code:06d}"}).status_code == 302
    return http


def run_report_bench(records: int, repeats: int) -> ReportBench:
    seed_records(records)
    with connection.cursor() as cursor:  # the planner's statistics, as a running database has them
        cursor.execute("ANALYZE")
    from stats.models import ReportRollup, ReportRollupStale
    from stats.rollups import refresh_rollups

    http = logged_in_admin()
    ReportRollup.objects.all().delete()
    ReportRollupStale.objects.all().delete()
    with connection.cursor() as cursor:  # every month stale, as right after the records were written
        cursor.execute("UPDATE stats_contactrecord SET people = people")
    start = time.perf_counter()
    assert http.get("/console/reports/" + QUERY).status_code == 200
    stale_seconds = time.perf_counter() - start
    start = time.perf_counter()
    months_built = refresh_rollups()
    refresh_seconds = time.perf_counter() - start
    start = time.perf_counter()
    response = http.get("/console/reports/" + QUERY)
    first = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = http.get("/console/reports/" + QUERY)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 200
    mid_month = []
    for _ in range(repeats):
        start = time.perf_counter()
        assert http.get("/console/reports/" + MID_MONTH_QUERY).status_code == 200
        mid_month.append(time.perf_counter() - start)
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        response = http.get("/console/reports/" + QUERY)
    start = time.perf_counter()
    assert http.get("/console/reports/csv/" + QUERY).status_code == 200
    csv_seconds = time.perf_counter() - start
    start = time.perf_counter()
    assert http.get("/console/reports/xlsx/" + QUERY).status_code == 200
    xlsx_seconds = time.perf_counter() - start
    return ReportBench(
        records=records,
        first=first,
        times=times,
        cpu=cpu,
        queries=len(captured.captured_queries),
        html_bytes=len(response.content),
        csv_seconds=csv_seconds,
        xlsx_seconds=xlsx_seconds,
        database=f"{connection.vendor}, Python {sys.version.split()[0]}",
        stale_seconds=stale_seconds,
        refresh_seconds=refresh_seconds,
        months_built=months_built,
        mid_month=mid_month,
    )
