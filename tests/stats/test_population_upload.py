"""The population upload page: admins import, every problem is shown, nothing half-written, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient

from audit.models import Action, AuditEvent
from demo.data import DEMO_PASSWORD
from stats.models import PopulationCount
from stats.population import EXAMPLE_FILE, MAX_FILE_BYTES
from tests.wsclient import staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def login(username: str) -> HttpClient:
    client = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    staff_cookie(client, username, DEMO_PASSWORD, otp=username in {"admin", "supervisor"})
    return client


def upload(http: HttpClient, data: bytes, **fields: str) -> Any:
    return http.post(
        "/stats/population/", {"file": SimpleUploadedFile("11re.csv", data, "text/csv"), **fields}, follow=True
    )


def figures() -> list[tuple[int, str, str, str, int]]:
    rows = PopulationCount.objects.order_by("pk")
    return list(rows.values_list("year", "municipality", "age_group", "gender", "count"))


def test_an_admin_imports_a_year_and_the_import_is_audited(demo: Any) -> None:
    PopulationCount.objects.all().delete()  # the demo's own import
    admin = login("admin")
    page = admin.get("/stats/population/").content.decode()
    assert "No population figures yet." in page
    response = upload(admin, EXAMPLE_FILE.read_bytes().decode().encode("cp1252"), year="2023")
    page = response.content.decode()
    assert response.redirect_chain == [("/stats/population/", 302)]
    assert "Imported 2023: 78340 people in 3 municipalities." in page
    assert '<th scope="row">2023</th><td class="num">3</td><td class="num">78340</td>' in page
    event = AuditEvent.objects.get()
    assert (event.action, event.staff, event.detail) == (
        Action.POPULATION_IMPORT,
        demo.staff.admin,
        "2023: 78340 people, 3 municipalities",
    )


def test_a_bad_file_shows_every_problem_and_changes_nothing(demo: Any) -> None:
    before = figures()
    admin = login("admin")
    bad = (
        '"Alue";"Ikä";"Sukupuoli";"2024 Väestö 31.12. (lkm)"\n'
        '"KU001 Jokilaakso";"15";"Naiset";120\n'
        '"KU001 Jokilaakso";"15";"Muut";3\n'
        '"KU001 Jokilaakso";"16";"Naiset";x\n'
    )
    page = upload(admin, bad.encode()).content.decode()
    assert "Nothing was imported. Please correct the file:" in page
    assert "<li>Line 3: the gender “Muut” is unknown" in page
    assert "<li>Line 4: “x” is not a number of people.</li>" in page
    page = upload(admin, EXAMPLE_FILE.read_bytes(), year="1999").content.decode()
    assert "The file has no figures for 1999; it has 2023, 2024." in page
    page = upload(admin, b"").content.decode()
    assert "The submitted file is empty." in page
    page = upload(admin, b"x" * (MAX_FILE_BYTES + 1)).content.decode()
    assert "The file is too large (at most 10 MB)." in page
    page = upload(admin, EXAMPLE_FILE.read_bytes(), year="twenty").content.decode()
    assert "Enter a whole number." in page
    page = admin.post("/stats/population/", {"year": "2024"}).content.decode()
    assert "This field is required." in page
    assert figures() == before
    assert not AuditEvent.objects.exists()


def test_only_admins_import(demo: Any) -> None:
    for role in ("supervisor", "counsellor", "editor", "studycounsellor"):
        http = login(role)
        assert http.get("/stats/population/").status_code == 403
        response = http.post(
            "/stats/population/", {"file": SimpleUploadedFile("a.csv", EXAMPLE_FILE.read_bytes(), "text/csv")}
        )
        assert response.status_code == 403
    assert not AuditEvent.objects.exists()
