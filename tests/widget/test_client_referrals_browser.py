"""The help services of a bot answer (its topic's referrals), as the client sees them in a real browser:
a card "Where to get help" under the answer with each service's name as a link, its phone number
to call and its opening hours; kept when the answers switch to easy-to-read and after a reload; in
the page's language; readable at 360 px and by keyboard; an address that is not a web address
never becomes a link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.widget.test_client_bot_browser import ask_the_bot, bot_lines
from tests.widget.test_client_browser import send

expect.set_options(timeout=10_000)

PHONE = 360


def help_card(message: Any) -> Any:
    """The card of help services under one bot answer."""
    return message.locator(".k-help")


def fits_the_screen(page: Any, element: Any) -> bool:
    """Nothing scrolls sideways: neither the page, nor the chat's scrolling log, and the element is within the width."""
    box = element.bounding_box()
    scrolls = page.evaluate(
        """() => [document.documentElement, document.getElementById("k-log")]
                 .some((e) => e.scrollWidth > e.clientWidth)"""
    )
    return bool(box) and box["x"] >= 0 and box["x"] + box["width"] <= PHONE and not scrolls


def tab_to(page: Any, target: Any, *, start: Any) -> None:
    """Press Tab from `start` until `target` has the focus (as a keyboard user reaches it)."""
    start.focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail("Tab never reached the link")


def test_a_crisis_answer_shows_where_to_get_help_with_links_phone_and_hours(
    new_page: Any, live: Any, axe_check: Any
) -> None:
    page = new_page(viewport={"width": PHONE, "height": 740})
    ask_the_bot(page, live)
    send(page, "en jaksa enää, haluan kuolla")
    guidance = page.locator("#k-log li.k-msg--crisis")
    card = help_card(guidance)
    expect(card.get_by_role("heading", name="Where to get help")).to_be_visible()

    # Each service: its name links to its site in a new tab, its number can be called, its hours are said.
    crisis_line = card.get_by_role("listitem").filter(has_text="MIELI Kriisipuhelin")
    site = crisis_line.get_by_role("link", name="MIELI Kriisipuhelin")
    expect(site).to_have_attribute("href", "https://mieli.fi/")
    expect(site).to_have_attribute("target", "_blank")
    expect(site).to_have_attribute("rel", "noopener noreferrer")
    expect(crisis_line.get_by_role("link", name="09 2525 0111")).to_have_attribute("href", "tel:09 2525 0111")
    expect(crisis_line).to_contain_text("Phone: 09 2525 0111")
    expect(crisis_line).to_contain_text("Opening hours: ympäri vuorokauden (suomeksi)")
    expect(card.get_by_role("link", name="112", exact=True)).to_have_attribute("href", "tel:112")
    # A service with only a web address shows just its name.
    sekasin = card.get_by_role("listitem").filter(has_text="Sekasin-chat")
    expect(sekasin.get_by_role("link")).to_have_count(1)
    expect(sekasin).not_to_contain_text("Phone:")

    assert fits_the_screen(page, card)
    axe_check(page, label="crisis answer with its help services")

    # By keyboard: the links are reached with Tab and show where the focus is.
    tab_to(page, site, start=page.locator("#k-log"))
    assert site.evaluate("element => getComputedStyle(element).outlineStyle") != "none"
    tab_to(page, crisis_line.get_by_role("link", name="09 2525 0111"), start=site)

    # Easy-to-read answers change the answer's text, not its services.
    body = guidance.locator(".k-body")
    normal = body.inner_text()
    page.get_by_role("button", name="Menu").click()
    page.get_by_label("Easy-to-read answers").check()
    expect(body).not_to_have_text(normal)
    expect(card.get_by_role("link", name="MIELI Kriisipuhelin")).to_be_visible()

    # The history comes back after a reload, and the card with it.
    page.reload()
    card = help_card(page.locator("#k-log li.k-msg--crisis"))
    expect(card.get_by_role("heading", name="Where to get help")).to_be_visible()
    expect(card.get_by_role("link", name="MIELI Kriisipuhelin")).to_have_attribute("href", "https://mieli.fi/")
    expect(card.get_by_role("link", name="09 2525 0111")).to_be_visible()
    expect(card).to_contain_text("Opening hours: ympäri vuorokauden (suomeksi)")
    assert fits_the_screen(page, card)


def test_the_card_speaks_the_pages_language(new_page: Any, live: Any, axe_check: Any) -> None:
    page = new_page(locale="fi-FI")
    ask_the_bot(page, live, "Nuorten chat", button="Kysy chatbotilta")
    send(page, "miten haen asumistukea", label="Viestisi")
    answer = bot_lines(page).nth(1)
    expect(answer).to_contain_text("Kela")
    card = help_card(answer)
    expect(card.get_by_role("heading", name="Mistä saat apua")).to_be_visible()
    expect(card.get_by_role("link", name="Kela – opintotuen asumislisä")).to_have_attribute(
        "href", "https://www.kela.fi/opintotuki"
    )
    axe_check(page, label="Finnish answer with its help services")

    # The same conversation on the Swedish page: the heading in Swedish, the services as the answer gave them.
    page.goto(live.url + "/?lang=sv")
    card = help_card(bot_lines(page).nth(1))
    expect(card.get_by_role("heading", name="Här får du hjälp")).to_be_visible()
    expect(card.get_by_role("link", name="Kela – yleinen asumistuki")).to_be_visible()


# --- A referral the brain files would refuse, as the admin can still store it ------------------------


QUESTION = "milloin nuorisotalo kipinä on auki"
ODD_ADDRESS = "javascript:window.__referral=1//" + "a" * 120


@pytest.fixture
def youth_centre_topic(live: Any, tmp_path: Path) -> Iterator[None]:
    """The only published topic: a youth centre with a good referral and one whose address is a script.

    The bot answers from the database's topics once there is one, so the cached
    bot is forgotten before and after (the topic is deleted first, so a bot built
    meanwhile is the starter brain again).
    """
    from bot import cache
    from bot.actions import check_brain_dir, do_import_topics
    from bot.brainfiles import dump_topic
    from bot.models import Referral, Topic

    data = {
        "slug": "youth-centre",
        "area": "leisure",
        "status": "published",
        "languages": {
            "fi": {
                "title": "Nuorisotalo Kipinä",
                "questions": [QUESTION, "missä nuorisotalo kipinä on", "mitä nuorisotalolla voi tehdä"],
                "answer": "Nuorisotalo Kipinä on avoinna arkisin iltapäivisin.",
                "referrals": [
                    {
                        "name": "Nuorisotalo Kipinä",
                        "url": "https://example.org/kipina",
                        "phone": "+358 (09) 123-4567",
                        "hours": "ma–pe 14–20",
                    }
                ],
            }
        },
    }
    (tmp_path / "youth-centre.yaml").write_text(dump_topic(data), encoding="utf-8")
    do_import_topics(check_brain_dir(tmp_path), source="referral test")
    topic = Topic.objects.get(slug="youth-centre")
    Referral.objects.create(topic=topic, language="fi", order=1, name="Outo palvelu", url=ODD_ADDRESS)
    cache.reset_bot()
    yield
    Topic.objects.filter(slug="youth-centre").delete()
    cache.reset_bot()


def test_an_address_that_is_not_a_web_address_is_shown_as_text(
    new_page: Any, live: Any, youth_centre_topic: None, axe_check: Any
) -> None:
    page = new_page(viewport={"width": PHONE, "height": 740})
    ask_the_bot(page, live)
    send(page, QUESTION)
    answer = bot_lines(page).nth(1)
    expect(answer).to_contain_text("avoinna arkisin")
    card = help_card(answer)
    expect(card.get_by_role("heading", name="Where to get help")).to_be_visible()

    # The good service: a link, and its phone number called without the brackets and dashes.
    expect(card.get_by_role("link", name="Nuorisotalo Kipinä")).to_have_attribute("href", "https://example.org/kipina")
    expect(card.get_by_role("link", name="+358 (09) 123-4567")).to_have_attribute("href", "tel:+358 09 1234567")
    expect(card).to_contain_text("Opening hours: ma–pe 14–20")

    # The odd one: its name and address are there to read, and nothing to click.
    odd = card.get_by_role("listitem").filter(has_text="Outo palvelu")
    expect(odd).to_contain_text(ODD_ADDRESS)
    expect(odd.get_by_role("link")).to_have_count(0)
    assert page.locator("a[href^='javascript' i]").count() == 0
    assert page.evaluate("window.__referral") is None

    assert fits_the_screen(page, card)
    axe_check(page, label="answer with a referral that is not a web address")
