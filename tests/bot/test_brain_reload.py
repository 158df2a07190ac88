"""Brain reload across processes: BrainState's version tells every process's get_bot() to rebuild.

Another server process is simulated by what it leaves in the database: a
change made without this process's signals (queryset `.update()`) and a bumped
BrainState row.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext, override_settings

from bot import cache
from bot.cache import brain_changed, get_bot
from bot.models import BrainState, ExampleQuestion, Topic, TopicText

pytestmark = pytest.mark.django_db(transaction=True)


def make_topic() -> Topic:
    topic = Topic.objects.create(slug="housing-rent", area="housing", status="published")
    TopicText.objects.create(topic=topic, language="fi", title="Vuokra", answer="Kysy Kelasta asumistukea.")
    for text in ("miten saan asumistukea", "vuokra on liian kallis"):
        ExampleQuestion.objects.create(topic=topic, language="fi", text=text)
    return topic


def bump_as_another_process() -> None:
    """What brain_changed does in another process: only the database row changes here."""
    if not BrainState.objects.filter(pk=1).update(version=F("version") + 1):
        BrainState.objects.create(pk=1, version=1)


@pytest.fixture(autouse=True)
def fresh_bot() -> Any:
    cache.reset_bot()
    yield
    cache.reset_bot()


def test_a_change_signalled_here_bumps_the_database_version() -> None:
    before = BrainState.objects.filter(pk=1).values_list("version", flat=True).first() or 0
    make_topic()
    state = BrainState.objects.get(pk=1)
    assert state.version > before
    version = state.version
    brain_changed()
    assert BrainState.objects.get(pk=1).version == version + 1


def test_brain_changed_creates_the_missing_row() -> None:
    BrainState.objects.all().delete()
    brain_changed()
    assert BrainState.objects.get(pk=1).version == 1


def test_an_edit_in_another_process_reaches_this_bot() -> None:
    topic = make_topic()
    assert "Kelasta" in get_bot().answer("miten saan asumistukea", "fi").answer

    # Another process edits the answer: no signal reaches this one.
    TopicText.objects.filter(topic=topic, language="fi").update(answer="Hae asumistukea verkossa.")
    assert "Kelasta" in get_bot().answer("miten saan asumistukea", "fi").answer  # not told yet

    bump_as_another_process()
    assert get_bot().answer("miten saan asumistukea", "fi").answer == "Hae asumistukea verkossa."


def test_a_topic_unpublished_in_another_process_stops_being_answered() -> None:
    make_topic()
    assert get_bot().answer("vuokra on liian kallis", "fi").topic == "housing-rent"
    Topic.objects.filter(slug="housing-rent").update(status="draft")
    bump_as_another_process()
    assert "housing-rent" not in get_bot().slugs


def test_the_database_is_looked_at_at_most_every_n_seconds() -> None:
    make_topic()
    with override_settings(BOT_RELOAD_CHECK_SECONDS=3600):
        bot = get_bot()
        with CaptureQueriesContext(connection) as queries:
            for _ in range(20):
                assert get_bot() is bot
        assert len(queries) == 0
        bump_as_another_process()
        assert get_bot() is bot  # within the interval: the cached bot, no query

    with override_settings(BOT_RELOAD_CHECK_SECONDS=0):
        with CaptureQueriesContext(connection) as queries:
            rebuilt = get_bot()
        assert rebuilt is not bot
        with CaptureQueriesContext(connection) as queries:
            assert get_bot() is rebuilt
        # An unchanged brain costs one tiny query, nothing else.
        assert len(queries) == 1, [q["sql"] for q in queries]
        assert "bot_brainstate" in queries[0]["sql"]


def test_a_local_change_is_answered_at_once_whatever_the_interval() -> None:
    topic = make_topic()
    with override_settings(BOT_RELOAD_CHECK_SECONDS=3600):
        assert get_bot().answer("miten saan asumistukea", "fi").topic == "housing-rent"
        ExampleQuestion.objects.create(topic=topic, language="fi", text="vuokranantaja korottaa vuokraa")
        assert get_bot().answer("vuokranantaja korottaa vuokraa", "fi").topic == "housing-rent"


def test_no_brain_state_table_does_not_break_the_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before migrate: the version cannot be read or written, the bot still answers."""

    class Missing:
        def filter(self, *args: Any, **kwargs: Any) -> Any:
            raise OperationalError("no such table: bot_brainstate")

        def create(self, *args: Any, **kwargs: Any) -> Any:
            raise OperationalError("no such table: bot_brainstate")

    make_topic()
    monkeypatch.setattr(BrainState, "objects", Missing())
    brain_changed()  # logged, not raised
    bot = get_bot()
    assert bot.answer("vuokra on liian kallis", "fi").topic == "housing-rent"
    assert get_bot() is bot  # an unreadable version keeps the bot it has


def test_threads_share_one_bot() -> None:
    make_topic()
    bots: list[int] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            bots.extend(id(get_bot()) for _ in range(5))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    get_bot()
    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(set(bots)) == 1


@override_settings(BOT_REBUILD_IN_BACKGROUND=True)
def test_after_an_edit_the_old_bot_answers_while_the_new_one_is_built_beside_it() -> None:
    import time

    topic = make_topic()
    old = get_bot()
    assert old.answer("vuokra on liian kallis", "fi").topic == "housing-rent"
    Topic.objects.filter(pk=topic.pk).update(slug="rent-too-high")
    bump_as_another_process()
    # The asking thread is not kept waiting: it gets the bot it had.
    assert get_bot() is old
    deadline = time.monotonic() + 20
    while get_bot() is old:
        assert time.monotonic() < deadline, "the new bot was never built"
        time.sleep(0.05)
    assert get_bot().answer("vuokra on liian kallis", "fi").topic == "rent-too-high"


def test_work_waiting_for_the_first_bot_gets_it_from_the_build_not_its_own_thread() -> None:
    """`when_built`: the bot's answer in a new process waits for the build without training in its own thread."""
    cache.reset_bot()
    got: list[tuple[object, str]] = []
    cache.when_built(lambda bot: got.append((bot, threading.current_thread().name)))
    deadline = threading.Event()
    for _ in range(600):  # the background build: seconds of training
        if got:
            break
        deadline.wait(0.1)
    assert got and got[0][1] == "bot-rebuild"
    built = got[0][0]
    assert built is get_bot()
    # With a bot built, at once and in the caller's thread.
    cache.when_built(lambda bot: got.append((bot, threading.current_thread().name)))
    assert got[1] == (built, threading.current_thread().name)
