"""The migration that gave desks their languages keeps every desk's texts (desks 0004)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Organisations as they were then too (before their retention days, issue 12): the historical
# model below knows no later column.
BEFORE = [("desks", "0003_bodies_limited_as_messages"), ("accounts", "0002_login_throttle")]
AFTER = [("desks", "0004_desk_texts_per_language_and_position")]


@pytest.mark.django_db(transaction=True)
def test_finnish_texts_become_the_finnish_ones_and_every_language_gets_a_name() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    organisation = old.get_model("accounts", "Organisation").objects.create(name="Kunta", slug="kunta")
    old.get_model("desks", "Desk").objects.create(
        organisation=organisation,
        slug="youth",
        name="Nuorten chat",
        description="Kysy mitä vain.",
        closed_message="Soita 112.",
        audience="youth",
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    desk = new.get_model("desks", "Desk").objects.get(slug="youth")
    assert (desk.name_fi, desk.name_sv, desk.name_en) == ("Nuorten chat",) * 3
    assert (desk.description_fi, desk.closed_message_fi, desk.position) == ("Kysy mitä vain.", "Soita 112.", 100)
    assert desk.description_sv is None and desk.closed_message_en is None

    # Back to the newest state for the other tests.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
