"""Help for the counsellor while chatting: the chatbot's topics and the crisis signs for the client's latest lines.

The counsellor's console asks with the staff frame `suggest`; the answer is a
`suggestions` event (docs/protocol.md). The engine is the bot's own
(`bot.engine.Bot.suggest`, through the per-process `ready_bot`), so what the
counsellor is offered is what the chatbot knows; nothing is sent to the client
and nothing is stored: the counsellor inserts a topic's text into the reply box,
edits it and sends it like any reply.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from accounts.models import Staff
from bot.cache import ready_bot
from bot.engine import hits_by_signals
from bot.markdown import render_answer
from conversations.actions.access import check_staff_conversation
from conversations.models import Conversation, Message, SenderKind
from conversations.outbound import CrisisSignal, SuggestedReferral, SuggestedTopic, SuggestionsEvent, suggestions_event

# What the bot reads: the client's lines since the staff side last wrote, the newest
# few, and of them at most so many characters (the newest words count most).
MAX_LINES = 3
MAX_CHARS = 1_000


def suggestions_for(staff: Staff, conversation_id: int, *, ref: str | None = None) -> SuggestionsEvent:
    """The chatbot's best topics and every crisis sign for the client's latest lines, for `staff`.

    Who may ask is who may see the conversation (`access.check_staff_conversation`:
    at one of their desks; any other, like a missing one, is `not_found`), not only
    the counsellor who writes in it. A supervisor watching read-only gets them too:
    they read nothing the watcher does not already see in the transcript, they
    change nothing, and the crisis signs help a supervisor who watches in order to
    step in. Any status is answered (a conversation waiting in the queue included):
    whoever opens it may want to read ahead.

    Runs in the protocol's database thread: one short read, then the bot's work
    (about 10-20 ms for a line, up to about 70 ms for MAX_CHARS with the crisis
    model); the staff rate limit counts the frame like any other, and the console
    asks only when a conversation is opened and a second after a client's line.
    """
    conversation = check_staff_conversation(staff, conversation_id)
    text = latest_client_text(conversation)
    if not text:
        return suggestions_event(conversation.pk, [], [], ref)
    bot = ready_bot()
    # Never waited for: a new process's first bot takes seconds to build, and this
    # thread serves every database call. Until it is built, the signal lists alone.
    suggestions, hits = bot.suggest(text, conversation.language) if bot else ([], hits_by_signals(text))
    topics: list[SuggestedTopic] = [
        {
            "slug": s.slug,
            "title": s.title,
            "answer": answer_text(s.answer),
            "referrals": [_referral(r) for r in s.referrals if r.get("name")],
        }
        for s in suggestions
    ]
    signals: list[CrisisSignal] = []
    for hit in hits:
        # A hit of the sign "example" (the crisis examples' nets) has a score as its
        # "phrase": the example question the lines were close to is what a counsellor reads.
        phrase = hit.rule if hit.category == "example" else hit.phrase
        if not any((s["sign"], s["phrase"]) == (hit.category, phrase) for s in signals):
            # Once per sign and phrase: the first net that found it names its source.
            signals.append({"sign": hit.category, "phrase": phrase, "source": hit.source})
    return suggestions_event(conversation.pk, topics, signals, ref)


def latest_client_text(conversation: Conversation) -> str:
    """The client's lines after the last staff line (at most MAX_LINES), oldest first, at most MAX_CHARS.

    Bot and system lines are neither side's words and are skipped. When the
    lines are longer than MAX_CHARS, their start is cut (at a word boundary).
    """
    newest = (
        Message.objects.filter(conversation=conversation, sender_kind__in=(SenderKind.CLIENT, SenderKind.STAFF))
        .order_by("-seq")
        .values_list("sender_kind", "body")[:MAX_LINES]
    )
    lines: list[str] = []
    for sender, body in newest:
        if sender != SenderKind.CLIENT:
            break
        lines.append(body.strip())
    text = "\n".join(reversed([line for line in lines if line]))
    if len(text) > MAX_CHARS:
        text = text[-MAX_CHARS:]
        cut = re.search(r"\s", text)
        if cut is not None and cut.start() < 40:
            text = text[cut.end() :]
    return text


def _referral(referral: dict[str, str]) -> SuggestedReferral:
    return {
        "name": referral.get("name", ""),
        "url": referral.get("url", ""),
        "phone": referral.get("phone", ""),
        "hours": referral.get("hours", ""),
    }


def answer_text(markdown_text: str) -> str:
    """A topic's answer (the brain's Markdown) as plain text for a counsellor's reply.

    Read through the same sanitised rendering as the bot's lines (`bot.markdown`):
    paragraphs become blank-line separated, list items "- " lines (numbered in
    ordered lists), and a link keeps its address in brackets unless its text is
    the address. The console shows and inserts it as text, never as HTML.
    """
    if not markdown_text.strip():
        return ""
    reader = _PlainText()
    reader.feed(render_answer(markdown_text))
    reader.close()
    return reader.text()


class _PlainText(HTMLParser):
    """The text of the small HTML that `bot.markdown.render_answer` allows."""

    BLOCKS = frozenset({"p", "h3", "h4", "blockquote", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.line_start = True  # nothing written on this line yet (white space is dropped there)
        self.newlines = 0  # how many line breaks the text ends with
        self.lists: list[list[int]] = []  # per open list: [next number] for ol, [] for ul
        self.link: str | None = None
        self.link_text: list[str] = []

    def _break(self, blank: bool) -> None:
        """End the line (with a blank line after it if `blank`), unless that is already done."""
        want = 2 if blank else 1
        if self.parts and self.newlines < want:
            self.parts.append("\n" * (want - self.newlines))
            self.newlines = want
        self.line_start = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self._break(blank=not self.lists)
        if tag in ("ul", "ol"):
            self.lists.append([1] if tag == "ol" else [])
        elif tag == "li":
            self._break(blank=False)
            numbering = self.lists[-1] if self.lists else []
            marker = f"{numbering[0]}." if numbering else "-"
            if numbering:
                numbering[0] += 1
            self.parts.append("  " * max(0, len(self.lists) - 1) + marker + " ")
            self.newlines = 0
        elif tag == "br":
            self._break(blank=False)
        elif tag == "a":
            self.link = dict(attrs).get("href") or ""
            self.link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if tag in self.BLOCKS:
            self._break(blank=not self.lists)
        elif tag == "a" and self.link is not None:
            address = re.sub(r"^(mailto|tel):", "", self.link)
            if address and _bare(address) != _bare("".join(self.link_text)):
                self.parts.append(f" ({address})")
                self.newlines = 0
            self.link = None

    def handle_data(self, data: str) -> None:
        text = re.sub(r"\s+", " ", data)
        if self.line_start:
            text = text.lstrip()
            if not text:
                return  # white space between blocks
            self.line_start = False
        self.parts.append(text)
        self.newlines = 0
        if self.link is not None:
            self.link_text.append(text)

    def text(self) -> str:
        """All of it: lines without trailing white space, at most one blank line in a row."""
        lines = "\n".join(line.rstrip() for line in "".join(self.parts).split("\n"))
        return re.sub(r"\n{3,}", "\n\n", lines).strip()


def _bare(address: str) -> str:
    """An address without its scheme, "www." and a final slash: "kela.fi" is the text of https://www.kela.fi/."""
    return re.sub(r"^(https?://)?(www\.)?", "", address.strip().lower()).rstrip("/")
