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

from django.core.exceptions import ImproperlyConfigured

from bot.analysis import SNOWBALL_ALGORITHMS, tokens
from bot.wordlists import load_words
from common.languages import language_codes, supported_language

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


def detect_language(text: str, fallback: str | None = None) -> str:
    """The language of ``text`` among those Kohtaamo speaks, or ``fallback`` when unsure.

    A ``fallback`` Kohtaamo does not speak is the default language (common.languages).
    """
    fallback = supported_language(fallback)
    scores = language_scores(text)
    ordered = sorted(((lang, scores.get(lang, 0.0)) for lang in language_codes()), key=lambda kv: -kv[1])
    (best, top), second = ordered[0], (ordered[1][1] if len(ordered) > 1 else 0.0)
    if top < MIN_SCORE or top - second < MIN_LEAD:
        return fallback
    return best


def check_languages() -> None:
    """Fail at start-up when settings.LANGUAGES lists a language the bot cannot read.

    The bot needs, per language, a Snowball stemmer and stopwords (bot.analysis)
    and evidence for language detection (``language_scores`` above).
    """
    detectable = language_scores("")
    missing = [code for code in language_codes() if code not in SNOWBALL_ALGORITHMS or code not in detectable]
    if missing:
        raise ImproperlyConfigured(
            f"settings.LANGUAGES lists {', '.join(missing)}, which the bot has no analyser or language detection for "
            "(bot/analysis.py: SNOWBALL_ALGORITHMS, bot/language.py: language_scores)."
        )
