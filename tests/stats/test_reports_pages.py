"""The reports page and its exports over HTTP: who may read what, the files read back, the audit log.

A supervisor sees their desks, an admin their organisation, a superuser the
region; counsellors, volunteers and editors are refused (403); a desk or
organisation of someone else in the query answers 404 and shows no figure.
The CSV and XLSX files hold exactly the page's (suppressed) cells, with the
period and the scope on top.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client as HttpClient
from openpyxl import load_workbook

from audit.models import Action, AuditEvent
from demo.data import DEMO_PASSWORD
from desks.models import DeskMembership
from stats.reports import ReportFilters, build_report, report_scope, shown_rows
from tests.stats.support import YEAR_END, YEAR_START, Data, demo_in_transaction, seed
from tests.wsclient import staff_cookie

QUERY = "?since=1.1.2026&until=31.12.2026"
TWO_FACTOR = {"admin", "supervisor"}


@pytest.fixture
def data(db: Any) -> Data:
    return seed(demo_in_transaction(), count=1500)


def login(username: str) -> HttpClient:
    http = HttpClient(headers={"accept-language": "en"})
    http.cookies["django_language"] = "en"
    staff_cookie(http, username, DEMO_PASSWORD, otp=username in TWO_FACTOR)
    return http


@pytest.mark.parametrize("username", ["counsellor", "volunteer", "editor", "studycounsellor"])
def test_those_who_do_not_supervise_are_refused(data: Data, username: str) -> None:
    http = login(username)
    for path in ("/console/reports/", "/console/reports/csv/", "/console/reports/xlsx/"):
        assert http.get(path + QUERY).status_code == 403
    assert not AuditEvent.objects.filter(action__in=[Action.REPORT_VIEW, Action.REPORT_EXPORT]).exists()


def test_anonymous_visitors_go_to_the_login(data: Data) -> None:
    response = HttpClient().get("/console/reports/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_another_organisations_desk_is_not_found(data: Data) -> None:
    study = data.demo.desks.study
    for username in ("admin", "supervisor"):
        http = login(username)
        for path in ("/console/reports/", "/console/reports/csv/", "/console/reports/xlsx/"):
            response = http.get(f"{path}{QUERY}&desk={study.pk}")
            assert response.status_code == 404, (username, path)
            assert b"Opiskelu" not in response.content
        # An organisation is a regional filter only; naming one answers as a missing page.
        assert http.get(f"/console/reports/{QUERY}&organisation={study.organisation_id}").status_code == 404
    assert not AuditEvent.objects.filter(action__in=[Action.REPORT_VIEW, Action.REPORT_EXPORT]).exists()


def test_a_supervisor_sees_only_their_desks(data: Data) -> None:
    supervisor = data.demo.staff.supervisor
    youth, homework = data.demo.desks.youth, data.demo.desks.homework
    DeskMembership.objects.filter(staff=supervisor).exclude(desk=youth).delete()
    http = login("supervisor")
    page = http.get("/console/reports/" + QUERY)
    assert page.status_code == 200
    html = page.content.decode()
    assert str(youth.name) in html and str(homework.name) not in html
    assert http.get(f"/console/reports/{QUERY}&desk={homework.pk}").status_code == 404
    youth_total = sum(1 for r in data.records if r.desk_id == youth.pk and YEAR_START.year == _year(r))
    assert f">{youth_total}<" in html  # the grand total of the year, the youth desk's alone


def test_a_supervisor_at_no_desk_is_refused(data: Data) -> None:
    """Removed from every desk, a supervisor supervises nothing: the reports answer 403, as to a counsellor."""
    DeskMembership.objects.filter(staff=data.demo.staff.supervisor).delete()
    http = login("supervisor")
    for path in ("/console/reports/", "/console/reports/csv/", "/console/reports/xlsx/"):
        assert http.get(path + QUERY).status_code == 403, path
    assert not AuditEvent.objects.filter(action__in=[Action.REPORT_VIEW, Action.REPORT_EXPORT]).exists()


def _year(record: Any) -> int:
    from tests.stats.support import HELSINKI

    return int(record.started_at.astimezone(HELSINKI).year)


def test_the_page_shows_tables_charts_and_is_audited(data: Data) -> None:
    http = login("admin")
    response = http.get("/console/reports/" + QUERY + "&medium=chat")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg class="chart"') >= 10
    assert 'role="img"' in html and "<title id=" in html
    assert '<th scope="col">' in html and '<th scope="row">' in html and "<caption" in html
    assert "&lt;5" in html
    event = AuditEvent.objects.get(action=Action.REPORT_VIEW)
    assert event.staff == data.demo.staff.admin
    assert "period=2026-01-01..2026-12-31" in event.detail and "medium=chat" in event.detail
    assert f"scope={data.demo.staff.admin.organisation_id}" in event.detail


def test_a_wrong_date_is_shown_and_counts_nothing(data: Data) -> None:
    http = login("admin")
    response = http.get("/console/reports/?since=31.12.2026&until=1.1.2026")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    response = http.get("/console/reports/?since=32.1.2026")
    assert response.status_code == 400 and "day.month.year" in response.content.decode()
    assert http.get("/console/reports/csv/?since=32.1.2026").status_code == 400
    assert not AuditEvent.objects.filter(action__in=[Action.REPORT_VIEW, Action.REPORT_EXPORT]).exists()


def expected_sections(data: Data) -> tuple[Any, dict[str, list[list[str]]]]:
    """The admin's report of the year as the exports must write it: caption -> rows of texts."""
    report = build_report(report_scope(data.demo.staff.admin), ReportFilters(YEAR_START, YEAR_END))
    sections: dict[str, list[list[str]]] = {}
    for figure in report.figures:
        sections[figure.caption] = [[row.label, *(c.text for c in row.cells)] for row in figure.rows]
    for table in [*report.tables, *report.esf]:
        rows = [[row.label, *(c.text for c in row.cells)] for row in shown_rows(table.table)]
        if table.table.total is not None:
            rows.append([table.table.total.label, *(c.text for c in table.table.total.cells)])
        sections[table.caption] = rows
    return report, sections


def read_sections(rows: list[list[str]], captions: set[str]) -> dict[str, list[list[str]]]:
    """The exported rows under each caption, up to the blank row (the heading row and notes left out)."""
    found: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in rows:
        cells = [c for c in row if c != ""]
        if not cells:
            current = None
        elif len(cells) == 1 and cells[0] in captions:
            current = found.setdefault(cells[0], [])
        elif current is not None and len(cells) > 1:
            current.append(cells)
    # Drop each table's heading row.
    return {caption: rows[1:] for caption, rows in found.items()}


def test_the_csv_holds_the_pages_cells(data: Data) -> None:
    http = login("admin")
    response = http.get("/console/reports/csv/" + QUERY)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    report, expected = expected_sections(data)
    assert rows[1] == ["Period", "1.1.2026–31.12.2026"]
    assert rows[2] == ["Scope", report.scope.label()]
    got = read_sections(rows, set(expected))
    assert set(got) == set(expected)
    for caption, table in expected.items():
        assert got[caption] == table, caption
    assert "<5" in text and "ESF+ participant summary" in text
    event = AuditEvent.objects.get(action=Action.REPORT_EXPORT)
    assert event.detail.endswith("format=csv") and "period=2026-01-01..2026-12-31" in event.detail


def test_the_xlsx_holds_the_pages_cells(data: Data) -> None:
    http = login("admin")
    response = http.get("/console/reports/xlsx/" + QUERY)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Report", "ESF+ participants"]
    report, expected = expected_sections(data)
    got: dict[str, list[list[str]]] = {}
    for sheet in book.worksheets:
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert rows[1][:2] == ["Period", "1.1.2026–31.12.2026"]
        assert rows[2][:2] == ["Scope", report.scope.label()]
        got |= read_sections(rows, set(expected))
    assert set(got) == set(expected)
    for caption, table in expected.items():
        assert got[caption] == table, caption
    # Shown counts are numbers a spreadsheet can add up; hidden ones are text.
    values = [v for row in book["Report"].iter_rows(values_only=True) for v in row]
    assert any(isinstance(v, int) for v in values) and "<5" in values
    assert AuditEvent.objects.get(action=Action.REPORT_EXPORT).detail.endswith("format=xlsx")


def test_a_superuser_sees_the_region(data: Data) -> None:
    admin = data.demo.staff.admin
    admin.is_superuser = True
    admin.save()
    http = login("admin")
    html = http.get("/console/reports/" + QUERY).content.decode()
    assert "The region: all organisations" in html
    study = data.demo.desks.study
    assert http.get(f"/console/reports/{QUERY}&organisation={study.organisation_id}").status_code == 200
    assert http.get(f"/console/reports/{QUERY}&desk={study.pk}").status_code == 200
    assert "scope=region" in AuditEvent.objects.filter(action=Action.REPORT_VIEW).latest("pk").detail


def test_a_category_name_is_never_a_formula_in_the_files(data: Data) -> None:
    from stats.models import Category

    Category.objects.filter(pk=data.categories[0].pk).update(name='=HYPERLINK("http://example.com","x")')
    http = login("admin")
    text = http.get("/console/reports/csv/" + QUERY).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    book = load_workbook(io.BytesIO(http.get("/console/reports/xlsx/" + QUERY).content))
    values = [v for row in book["Report"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert not any(v.startswith("=") for v in values)
