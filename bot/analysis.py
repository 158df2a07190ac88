"""Turning a client's message into index terms.

Clients write short, spoken, misspelt Finnish ("paljonko asumistukee sais",
"ekan oman asunon"). Matching raw words would miss almost everything, so every
word is reduced to what it means for retrieval:

* With Voikko (the Finnish morphological analyser), each word becomes its base
  forms (all readings, since we cannot disambiguate cheaply) plus the parts of
  a compound (``asumistuki`` -> ``asumistuki``, ``asua``, ``tuki``), so a
  question about "tuki" still finds "asumistuki" and vice versa. Words Voikko
  does not know are probably typos and are replaced by its first suggestions.
* Without Voikko (not installed, or forced with ``KOHTAAMO_ANALYSER=snowball``)
  and for Swedish and English, a Snowball stemmer is used. It is cruder but
  always available, so the bot keeps working on any installation.

Frequent spoken forms are normalised to standard Finnish first, because neither
Voikko nor Snowball knows "mä", "sais" or "itteni". Analyses are cached per
word: a message has few words and the vocabulary of a help chat is small, so
after warm-up nearly every word is a cache hit and an analysis costs
microseconds.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from typing import Any, Protocol

import snowballstemmer  # type: ignore[import-untyped]

logger = logging.getLogger(__name__)

LANGS = ("fi", "sv", "en")

# Letters of the three languages; digits are kept so "600" or "18v" stay visible,
# hyphens join words such as "te-toimisto".
_TOKEN_RE = re.compile(r"[0-9a-zåäöüéè]+(?:-[0-9a-zåäöüéè]+)*")

# Spoken Finnish -> standard Finnish. Only frequent forms that Voikko misreads
# or does not know; the standard form may be several words.
SPOKEN_FI: dict[str, str] = {
    "mä": "minä",
    "mää": "minä",
    "mie": "minä",
    "sä": "sinä",
    "sää": "sinä",
    "sie": "sinä",
    "mun": "minun",
    "mulle": "minulle",
    "mulla": "minulla",
    "multa": "minulta",
    "mua": "minua",
    "mut": "minut",
    "sun": "sinun",
    "sulle": "sinulle",
    "sulla": "sinulla",
    "sua": "sinua",
    "meil": "meillä",
    "me": "me",
    "itteni": "itseni",
    "ittensä": "itsensä",
    "itteäni": "itseäni",
    "itteeni": "itseäni",
    "itelleni": "itselleni",
    "ite": "itse",
    "itte": "itse",
    "iskä": "isä",
    "iskän": "isän",
    "isi": "isä",
    "faija": "isä",
    "mutsi": "äiti",
    "äiskä": "äiti",
    "oon": "olen",
    "oot": "olet",
    "oo": "ole",
    "ollu": "ollut",
    "on": "on",
    "ei": "ei",
    "sais": "saisi",
    "saisko": "saisiko",
    "saako": "saako",
    "vois": "voisi",
    "voisko": "voisiko",
    "pitäis": "pitäisi",
    "pitäskö": "pitäisikö",
    "tarttis": "tarvitsisi",
    "tarttisin": "tarvitsisin",
    "tarviin": "tarvitsen",
    "tarvii": "tarvitsee",
    "tartten": "tarvitsen",
    "tarvis": "tarvitsisi",
    "pitää": "pitää",
    "haluun": "haluan",
    "haluisin": "haluaisin",
    "tiiän": "tiedän",
    "tiiä": "tiedä",
    "tiedäks": "tiedätkö",
    "eka": "ensimmäinen",
    "ekaa": "ensimmäistä",
    "ekan": "ensimmäisen",
    "ekalla": "ensimmäisellä",
    "ekaks": "ensimmäiseksi",
    "toka": "toinen",
    "tokaa": "toista",
    "kaikkee": "kaikkea",
    "jotain": "jotakin",
    "mitää": "mitään",
    "mikskä": "miksi",
    "miks": "miksi",
    "paljo": "paljon",
    "palon": "paljon",
    "palonko": "paljonko",
    "kans": "kanssa",
    "niinku": "niin",
    "tää": "tämä",
    "tän": "tämän",
    "tätä": "tätä",
    "toi": "tuo",
    "noi": "nuo",
    "ne": "ne",
    "nää": "nämä",
    "duuni": "työ",
    "duunia": "työtä",
    "duunii": "työtä",
    "duunit": "työt",
    "kämppä": "asunto",
    "kämpän": "asunnon",
    "kämppää": "asuntoa",
    "kämpästä": "asunnosta",
    "koulutukseen": "koulutukseen",
    "lukkari": "lukujärjestys",
    "amis": "ammattikoulu",
    "amikseen": "ammattikouluun",
    "amiksessa": "ammattikoulussa",
    "amikses": "ammattikoulussa",
    "lukioo": "lukiota",
    "rahaa": "rahaa",
    "rahee": "rahaa",
    "massii": "rahaa",
    "massia": "rahaa",
    "kelaa": "kelaa",
    "kelast": "kelasta",
    "kelalt": "kelalta",
    "kelaan": "kelaan",
    "tukee": "tukea",
    "asumistukee": "asumistukea",
    "opintotukee": "opintotukea",
    "vuokraa": "vuokraa",
    "kysyy": "kysyä",
    "kysyis": "kysyisi",
    "pystyy": "pystyy",
    "tos": "tuossa",
    "täs": "tässä",
    "mis": "missä",
    "mist": "mistä",
    "mihi": "mihin",
    "mitäs": "mitä",
    "jos": "jos",
}

# Spoken stems whose inflected forms Voikko does not know ("amiksesta",
# "kämpästä"): a word starting with the prefix means the standard word.
SPOKEN_PREFIX_FI: tuple[tuple[str, str], ...] = (
    ("amik", "ammattikoulu"),
    ("amis", "ammattikoulu"),
    ("duuni", "työ"),
    ("kämpp", "asunto"),
    ("kämpä", "asunto"),
    ("itsar", "itsemurha"),
    ("työkkär", "työvoimatoimisto"),
    ("ahist", "ahdistaa"),
    ("masis", "masennus"),
    ("psyka", "psykologi"),
    ("fyrk", "raha"),
)

# Spoken endings rewritten to standard ones for unknown words, tried before
# spelling suggestions: "löytäny" -> "löytänyt", "tukee" -> "tukea",
# "yliopistoo" -> "yliopistoa".
_SPOKEN_ENDINGS_FI: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("nu", ("nut",)),
    ("ny", ("nyt",)),
    ("lu", ("lut",)),
    ("ly", ("lyt",)),
    ("ru", ("rut",)),
    ("ry", ("ryt",)),
    ("su", ("sut",)),
    ("sy", ("syt",)),
    ("ee", ("ea", "eä")),
    ("oo", ("oa",)),
    ("uu", ("ua",)),
    ("yy", ("yä",)),
    ("ii", ("ia", "iä")),
)


# Everyday, spoken and slang words -> the vocabulary the brain is written in.
# Keyed by base form (what Voikko returns; for Snowball the key and the values
# are stemmed), the values are added as extra terms of the word, for questions
# and brain text alike, so "kämppä" meets "asunto" and "duuni" meets "työ"
# whichever side uses which. General Finnish, not fitted to any question set.
SYNONYMS_FI: dict[str, tuple[str, ...]] = {
    "kämppä": ("asunto",),
    "kämpä": ("asunto",),
    "yksiö": ("asunto",),
    "kaksio": ("asunto",),
    "kolmio": ("asunto",),
    "vuokrakämppä": ("asunto", "vuokra"),
    "koti": ("asunto",),
    "duuni": ("työ",),
    "keikka": ("työ",),
    "keikkatyö": ("työ",),
    "homma": ("työ",),
    "pomo": ("työnantaja", "esimies"),
    "esihenkilö": ("esimies", "työnantaja"),
    "hommata": ("hankkia",),
    "massi": ("raha",),
    "fyrkka": ("raha",),
    "pätäkkä": ("raha",),
    "rahna": ("raha",),
    "lafka": ("yritys",),
    "firma": ("yritys",),
    "amis": ("ammattikoulu",),
    "ammattikoulu": ("ammatillinen", "amis"),
    "ammattiopisto": ("ammattikoulu",),
    "yliopisto": ("korkeakoulu",),
    "amk": ("ammattikorkeakoulu", "korkeakoulu"),
    "ammattikorkeakoulu": ("korkeakoulu",),
    "jatko-opinnot": ("jatko-opiskelu", "opiskelu"),
    "psyka": ("psykologi",),
    "psykologi": ("mielenterveys", "terapia"),
    "terapeutti": ("terapia", "psykologi"),
    "terapia": ("psykologi", "mielenterveys"),
    "masis": ("masennus",),
    "masentaa": ("masennus",),
    "masentunut": ("masennus",),
    "ahdistaa": ("ahdistus",),
    "ahdistunut": ("ahdistus",),
    "jännittää": ("jännitys", "ahdistus"),
    "paniikki": ("ahdistus",),
    "kiusata": ("kiusaaminen",),
    "kiusaaja": ("kiusaaminen",),
    "haukkua": ("kiusaaminen",),
    "nimitellä": ("kiusaaminen",),
    "dissata": ("kiusaaminen",),
    "pilkata": ("kiusaaminen",),
    "syrjiä": ("kiusaaminen",),
    "verokortti": ("vero",),
    "budjetti": ("talous", "raha"),
    "säästää": ("säästäminen", "raha"),
    "säästö": ("säästäminen", "raha"),
    "velka": ("laina",),
    "pikavippi": ("laina", "velka"),
    "vippi": ("laina", "velka"),
    "luotto": ("laina",),
    "luottotieto": ("maksuhäiriömerkintä",),
    "maksuhäiriö": ("maksuhäiriömerkintä",),
    "perintä": ("velka",),
    "kuski": ("kuljettaja",),
    "mopokortti": ("ajokortti",),
    "kortti": ("ajokortti",),
    "autokoulu": ("ajokortti",),
    "intti": ("armeija", "varusmiespalvelus"),
    "inttiin": ("armeija",),
    "armeija": ("varusmiespalvelus",),
    "varusmies": ("varusmiespalvelus",),
    "sivari": ("siviilipalvelus",),
    "kutsunta": ("varusmiespalvelus",),
    "sossu": ("sosiaalitoimisto", "toimeentulotuki"),
    "toimeentulotuki": ("sosiaalitoimisto",),
    "perustoimentulotuki": ("toimeentulotuki",),
    "työkkäri": ("työvoimatoimisto", "te-toimisto"),
    "työvoimatoimisto": ("te-toimisto",),
    "työtön": ("työttömyys",),
    "häätää": ("häätö",),
    "häätö": ("asunnoton", "vuokra"),
    "asunnoton": ("asunnottomuus",),
    "nimetön": ("anonyymi",),
    "anonyymi": ("nimetön",),
    "kaveri": ("ystävä",),
    "frendi": ("ystävä",),
    "ystävä": ("kaveri",),
    "poikaystävä": ("seurustelu", "kumppani"),
    "tyttöystävä": ("seurustelu", "kumppani"),
    "seurustella": ("seurustelu",),
    "deittailla": ("seurustelu", "treffit"),
    "ihastua": ("ihastus",),
    "läksy": ("kotitehtävä",),
    "kotitehtävä": ("läksy",),
    "matikka": ("matematiikka",),
    "mätkiä": ("lyödä", "väkivalta"),
    "hakata": ("lyödä", "väkivalta"),
    "lyödä": ("väkivalta",),
    "ahdistella": ("häirintä",),
    "lähennellä": ("häirintä",),
    "kähmiä": ("häirintä",),
    "pelata": ("peli",),
    "pelaaminen": ("peli",),
    "some": ("sosiaalinen", "media"),
    "harrastaa": ("harrastus",),
    "harrastaminen": ("harrastus",),
    "nukkua": ("uni",),
    "unettomuus": ("uni",),
    "väsyttää": ("väsymys",),
    "väsynyt": ("väsymys",),
    "kännätä": ("alkoholi",),
    "kännissä": ("alkoholi",),
    "viina": ("alkoholi",),
    "bissi": ("olut", "alkoholi"),
    "pilveä": ("kannabis",),
    "ruoho": ("kannabis",),
    "vape": ("nikotiini",),
    "nuuska": ("nikotiini",),
    "röökata": ("tupakka",),
    "rööki": ("tupakka",),
    "opo": ("opinto-ohjaaja",),
    "yhteishaku": ("haku",),
    "hakea": ("haku",),
    "kesäduuni": ("kesätyö",),
    "kesäkeikka": ("kesätyö",),
    "cv": ("ansioluettelo",),
    "ansioluettelo": ("cv",),
    "työhaastattelu": ("haastattelu",),
}


def spoken_variants(word: str) -> list[str]:
    """Standard-Finnish candidates for a spoken form Voikko does not know."""
    out = [std for prefix, std in SPOKEN_PREFIX_FI if word.startswith(prefix)]
    for end, repl in _SPOKEN_ENDINGS_FI:
        if word.endswith(end) and len(word) > len(end) + 2:
            out.extend(word[: -len(end)] + r for r in repl)
    return out


# Deliberately small: only words that carry no topic. Question words such as
# "paljonko" (cost), "missä" (place) or "milloin" (deadline) stay, because they
# tell topics apart. Checked against both the surface word and its base form.
STOPWORDS: dict[str, frozenset[str]] = {
    "fi": frozenset(
        """
        ja tai sekä mutta vaan vai että ettei ett jottei kun jos niin kuin myös vielä jo nyt sitten siis eli
        on ole olla olen olet ovat oli olisi ei en et emme ette eivät eikä
        se ne tämä tuo nämä nuo sen sitä siitä siihen
        minä sinä hän me te he mä sä mun sun minun sinun itse
        mikä mitä miten miksi voi voida voiko voisi voisiko
        kanssa vain vaan tosi ihan aika kyllä joo moi hei terve kiitos
        """.split()
    ),
    "sv": frozenset(
        """
        och eller men att som om så är var vara har hade ha inte
        jag du han hon vi ni de den det en ett min mitt din ditt
        vad hur kan får ska skulle vill med på i av till för från hej tack
        """.split()
    ),
    "en": frozenset(
        """
        a an the and or but if so is are was were be been am do does did not
        i you he she we they it me my your our their this that these those
        what how can could would should will to of in on at for from with by hi hello thanks
        """.split()
    ),
}

# Everyday words that appear in questions about anything ("hyvä", "paras",
# "huomenna", "saada"): they may still score, but alone they must not make the
# bot confident, so confidence counts them only a little. Surface or base forms;
# the ranking index analyses them with the active analyser.
WEAK_WORDS_FI: tuple[str, ...] = tuple(
    """
    hyvä paras parempi huono kiva ikinä aina koskaan usein joskus nyt huomenna eilen tänään
    kuka kuinka kumpi millainen mikä missä mistä mihin milloin paljon paljonko
    pitkä lyhyt iso suuri pieni uusi vanha joku jokin kukaan mitään kaikki moni
    saada tehdä tulla mennä päästä pitää tietää haluta voida osata käydä olla antaa ottaa
    asia juttu kerta kertaa tapa vähän enemmän
    minulle minua minulla minulta minusta sinulle sinua sinulla
    """.split()
)


def tokens(text: str) -> list[str]:
    """Lowercased word tokens; punctuation, emoji and markup are dropped."""
    return _TOKEN_RE.findall(text.lower())


class Analyser(Protocol):
    """What ranking and crisis detection need from an analyser."""

    name: str

    def terms(self, text: str, lang: str) -> list[str]: ...


class _Base:
    """Shared tokenising, stopwords and per-word caching.

    Subclasses implement ``_word_terms``; the cache is per instance so that
    tests can build analysers with different back-ends side by side.
    """

    name = "base"

    def __init__(self, cache_size: int = 100_000) -> None:
        self._stemmers: dict[str, Any] = {
            "fi": snowballstemmer.stemmer("finnish"),
            "sv": snowballstemmer.stemmer("swedish"),
            "en": snowballstemmer.stemmer("english"),
        }
        self._cached = functools.lru_cache(maxsize=cache_size)(self._word_terms)

    def terms(self, text: str, lang: str) -> list[str]:
        """Index terms for ``text``, in order of first appearance, deduplicated."""
        if lang not in LANGS:
            lang = "fi"
        stop = STOPWORDS[lang]
        seen: dict[str, None] = {}
        for tok in tokens(text):
            if tok in stop:
                continue
            for term in self._cached(tok, lang):
                if term not in stop:
                    seen.setdefault(term, None)
        return list(seen)

    def word_terms(self, word: str, lang: str) -> tuple[str, ...]:
        """Terms of one lowercase word (cached)."""
        return self._cached(word, lang)

    def _stem(self, word: str, lang: str) -> str:
        return str(self._stemmers[lang].stemWord(word))

    def _word_terms(self, word: str, lang: str) -> tuple[str, ...]:
        raise NotImplementedError


class SnowballAnalyser(_Base):
    """Snowball stems for every language; the fallback when Voikko is missing."""

    name = "snowball"

    def _word_terms(self, word: str, lang: str) -> tuple[str, ...]:
        if lang == "fi":
            word = SPOKEN_FI.get(word, word)
        out: dict[str, None] = {}
        for w in word.replace("-", " ").split():
            if lang == "fi":
                w = SPOKEN_FI.get(w, w)
                w = next((std for prefix, std in SPOKEN_PREFIX_FI if w.startswith(prefix)), w)
            out.setdefault(self._stem(w, lang) if not w.isdigit() else w, None)
        if lang == "fi":
            for term in list(out):
                out.update(dict.fromkeys(self._stemmed_synonyms().get(term, ())))
        return tuple(out)

    @functools.cache  # noqa: B019 - one table per analyser instance, built once
    def _stemmed_synonyms(self) -> dict[str, tuple[str, ...]]:
        table: dict[str, tuple[str, ...]] = {}
        for key, values in SYNONYMS_FI.items():
            stem = self._stem(key, "fi")
            extra = tuple(self._stem(v, "fi") for v in values if self._stem(v, "fi") != stem)
            table[stem] = tuple(dict.fromkeys(table.get(stem, ()) + extra))
        return table


class VoikkoAnalyser(_Base):
    """Voikko base forms and compound parts for Finnish, Snowball for sv/en.

    libvoikko handles are not thread-safe, so calls into it are serialised with
    a lock; the per-word cache keeps the lock cheap in practice.
    """

    name = "voikko"

    def __init__(self, cache_size: int = 100_000) -> None:
        import libvoikko  # imported here so that a missing library is a clean fallback

        self._voikko = libvoikko.Voikko("fi")
        self._lock = threading.Lock()
        super().__init__(cache_size)

    def _analyse(self, word: str) -> list[dict[str, str]]:
        with self._lock:
            return list(self._voikko.analyze(word))

    def _suggest(self, word: str) -> list[str]:
        with self._lock:
            return list(self._voikko.suggest(word))

    @staticmethod
    def _from_analyses(analyses: list[dict[str, str]]) -> list[str]:
        """Base forms, then compound parts (and derivation bases) of every reading."""
        out: list[str] = []
        for a in analyses:
            base = (a.get("BASEFORM") or "").lower()
            if base:
                out.append(base)
        for a in analyses:
            # "+asumis(asua)+tuki(tuki)" -> asua, tuki; "(+ja)" marks a suffix.
            for group in re.findall(r"\(([^)]*)\)", a.get("WORDBASES") or ""):
                if group.startswith("+"):
                    continue
                # "viikon=loppu=isä" marks parts of an unanalysed compound.
                out.extend(p for p in group.lower().split("=") if len(p) >= 3)
        return out

    def _word_terms(self, word: str, lang: str) -> tuple[str, ...]:
        if lang != "fi":
            return (self._stem(word, lang),)
        if word.isdigit():
            return (word,)
        word = SPOKEN_FI.get(word, word)
        out: dict[str, None] = {}
        parts = [word] if " " not in word else word.split()
        if "-" in word:
            whole = self._analyse(word)
            if whole:
                out.update(dict.fromkeys(self._from_analyses(whole)))
            else:
                # "te-toimisto": keep the whole name so it can match as one term.
                out.setdefault(word, None)
            parts = [SPOKEN_FI.get(p, p) for p in word.split("-") if p]
        for w in parts:
            analyses = self._analyse(w)
            if not analyses and not w.isdigit():
                for variant in spoken_variants(w):
                    analyses.extend(self._analyse(variant))
            if not analyses and not w.isdigit() and len(w) > 2:
                # Probably a typo ("asunon"): take what the first suggestions mean.
                for sug in self._suggest(w)[:2]:
                    for sw in sug.lower().split():
                        analyses.extend(self._analyse(sw))
                    if analyses:
                        break
            if analyses:
                out.update(dict.fromkeys(self._from_analyses(analyses)))
            else:
                # Names, abbreviations, unknown slang: keep the word itself.
                out.setdefault(w, None)
        for term in list(out):
            out.update(dict.fromkeys(SYNONYMS_FI.get(term, ())))
        return tuple(out)


_lock = threading.Lock()
_analysers: dict[str, Analyser] = {}


def voikko_available() -> bool:
    """Whether Voikko and its Finnish dictionary load on this machine."""
    try:
        VoikkoAnalyser()
    except Exception:  # OSError (no library), ImportError, or no dictionary
        return False
    return True


def get_analyser(name: str | None = None) -> Analyser:
    """The analyser to use: Voikko when it loads, Snowball otherwise.

    ``name`` or the ``KOHTAAMO_ANALYSER`` environment variable ("voikko" or
    "snowball") forces a choice; forcing "voikko" still falls back when it does
    not load. The choice is logged once, so the operator knows which quality of
    understanding the bot runs with.
    """
    wanted = (name or os.environ.get("KOHTAAMO_ANALYSER") or "voikko").strip().lower()
    with _lock:
        if wanted in _analysers:
            return _analysers[wanted]
        analyser: Analyser
        if wanted == "snowball":
            analyser = SnowballAnalyser()
            logger.info("bot analyser: snowball (forced)")
        else:
            try:
                analyser = VoikkoAnalyser()
                logger.info("bot analyser: voikko")
            except Exception as exc:
                analyser = SnowballAnalyser()
                logger.warning("bot analyser: snowball (Voikko did not load: %s)", exc)
        _analysers[wanted] = analyser
        return analyser


def reset_analysers() -> None:
    """Forget the chosen analysers (tests switch back-ends with the env var)."""
    with _lock:
        _analysers.clear()
