"""Guessing whether a short message is Finnish, Swedish or English.

Messages are often a few words ("kela tuki?", "hur söker jag", "help pls"),
too short for statistical language models, and we want no external model.
Instead each language collects points from very common function words, from
characteristic endings and from letters: å is Swedish, ä/ö are Finnish or
Swedish, double vowels and case endings (-ssa, -lla, -ko/-kö) are Finnish, and
"th", "w", "-ing" are English. When the evidence is thin or two languages are
close, the page's language (``fallback``) wins: a client on the Finnish page
who types "ok" is answered in Finnish.
"""

from __future__ import annotations

import re

from bot.analysis import tokens
from bot.wordlists import load_words

# Very common words of each language (bot/data/language-words-*.txt).
FI_WORDS = frozenset(load_words("language-words-fi.txt"))
SV_WORDS = frozenset(load_words("language-words-sv.txt"))
EN_WORDS = frozenset(load_words("language-words-en.txt"))

# Typical endings of each language (bot/data/language-endings-*.txt).
FI_ENDINGS = load_words("language-endings-fi.txt")
SV_ENDINGS = load_words("language-endings-sv.txt")
EN_ENDINGS = load_words("language-endings-en.txt")

# A language needs this many points, and this lead over the runner-up, to
# override the fallback.
MIN_SCORE = 2.1
MIN_LEAD = 1.0


def language_scores(text: str) -> dict[str, float]:
    """Evidence points per language (exposed for the editors' "try the bot" box)."""
    scores = {"fi": 0.0, "sv": 0.0, "en": 0.0}
    words = tokens(text.replace("'", ""))
    for w in words:
        fi = w in FI_WORDS
        sv = w in SV_WORDS
        en = w in EN_WORDS
        shared = fi + sv + en
        if shared:
            # A word common to several lists ("ja", "on", "i") counts less.
            pts = 2.0 / shared
            scores["fi"] += pts * fi
            scores["sv"] += pts * sv
            scores["en"] += pts * en
            continue
        if len(w) < 3 or w.isdigit():
            continue
        if "å" in w:
            scores["sv"] += 1.5
        if "ä" in w or "ö" in w:
            scores["fi"] += 0.6
            scores["sv"] += 0.3
        if re.search(r"(aa|ää|ee|ii|uu|yy|öö|oo|ij|uo|yö|ie)", w) or re.search(r"(kk|pp|tt|ll|ss)[aeiouyäö]", w):
            scores["fi"] += 0.5
        if w.endswith(FI_ENDINGS):
            scores["fi"] += 0.7
        if w.endswith(SV_ENDINGS) or re.search(r"(sj|tj|skj|ck|kv|dj|hj)", w):
            scores["sv"] += 0.7
        if re.search(r"(th|w|ph|sh|ch|ou|ea|ee)", w):
            scores["en"] += 0.5
        if w.endswith(EN_ENDINGS):
            scores["en"] += 0.6
        if re.search(r"[bcdfgqwxz]", w):
            # Letters rare in native Finnish words.
            scores["fi"] -= 0.4
        if w.endswith(("a", "ä", "i", "o", "u", "y", "e", "n", "t")) and not re.search(r"[bcdfgqwxzå]", w):
            scores["fi"] += 0.2
    return scores


def detect_language(text: str, fallback: str = "fi") -> str:
    """The language of ``text`` ("fi", "sv" or "en"), or ``fallback`` when unsure."""
    if fallback not in ("fi", "sv", "en"):
        fallback = "fi"
    scores = language_scores(text)
    ordered = sorted(scores.items(), key=lambda kv: -kv[1])
    (best, top), (_, second) = ordered[0], ordered[1]
    if top < MIN_SCORE or top - second < MIN_LEAD:
        return fallback
    return best
