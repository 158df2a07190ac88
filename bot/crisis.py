"""Spotting acute risk in a client's message.

Every message, to the bot or to a counsellor, passes through ``detect_crisis``.
A hit shows emergency guidance at once and puts the conversation at the top of
the queue, so recall comes first: a false alarm costs a counsellor a glance, a
miss can cost a life. Hence:

* Patterns run on *folded* text (lowercase, ä->a, ö->o, å->a, punctuation
  removed), so missing diacritics ("haluan kuolla" typed as "haluan kuolla",
  "jag vill do") and spoken forms ("haluun", "itteni", "mua") still match.
  Patterns allow a few words in between ("haluun vaan niin kuolla").
* With Voikko, base forms add a second net for inflections the patterns did
  not foresee (``itsemurhaa``, ``viiltelystä``).
* Only a handful of idioms that are obviously harmless ("kuolla nauruun",
  "tappaa aikaa", "puhelin kuoli") are removed before matching; anything
  doubtful is flagged and counted as a false alarm in the tests instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.analysis import VoikkoAnalyser, get_analyser
from bot.wordlists import load_table

CATEGORIES = ("suicidal", "self_harm", "violence_now", "danger_now")


@dataclass(frozen=True)
class CrisisHit:
    """What matched (``phrase``, from the folded text) and what kind of risk it is."""

    category: str
    phrase: str
    lang: str


_FOLD = str.maketrans({"ä": "a", "ö": "o", "å": "a", "é": "e", "ü": "u", "’": "'", "´": "'", "`": "'"})


def fold(text: str) -> str:
    """Lowercase, strip diacritics and punctuation, collapse spaces."""
    t = text.lower().translate(_FOLD)
    t = re.sub(r"[^a-z0-9' ]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def gap(n: int) -> str:
    """Up to ``n`` words in between, in a pattern: "haluun (vaan niin) kuolla"."""
    return rf"(?:\w+ ){{0,{n}}}"


_G1, _G2, _G3 = gap(1), gap(2), gap(3)
_SELF_FI = r"(?:itse|itte|ite)\w*"  # itseni, itteni, itseäni (folded: itseani), itelleni
_ME_FI = r"(?:mua|mut|minua|minut|meita|meidat|mulle|minulle)"
# Victims in the family: violence at home is reported about a parent or sibling.
_VICTIM_FI = (
    r"(?:mua|mut|minua|minut|meita|meidat|aitia|aitii|aitiani|isaa|isaani|siskoa|siskoo|veljea|veljee"
    r"|pikkusiskoa|pikkuveljea|isosiskoa|isoveljea|lasta|lapsia|koiraa)"
)

_KILL_FI = r"tap(?:an|at|oin|pa\w*|po\w*|etaan)"
_MEDS_FI = r"(?:laak|pill|tablet|napp|unilaak|burana|panadol|parasetamol|ibuprofeiini|kipulaak)\w*"
_AMOUNT_FI = r"(?:liikaa|kaikki|koko|purkin|purkillisen|paketin|levyn|levyllisen|paljon|kasan|kourallisen)"
_KIN_FI = (
    r"(?:isa|iska|isi|faija|isapuoli|aiti|mutsi|aitipuoli|veli|veljeni|isoveli|poikaystava|tyttoystava"
    r"|poikkis|tyttis|mies|mieheni|vaimo|puoliso|kaveri|joku|han|se|ne|ukko)"
)
_HIT_FI = r"(?:lyo|lyoo|lyo|hakkaa|potkii|kuristaa|uhkaa|uhkailee|raiskas|raiskasi|ahdistelee|repii|tonii)"

# (category, language, pattern) on folded text: each entry is one alternative,
# so that a pattern can be read, and blamed, on its own. Order matters only for
# which category is reported when several match.
_PATTERNS_RAW: list[tuple[str, str, str]] = [
    # --- Finnish: suicidal
    ("suicidal", "fi", r"\bitsemurh\w*|\bitsarimurh\w*|\bitsetuho\w*|\bitsar(?:i|ia|in|iin|ii)\b"),
    ("suicidal", "fi", rf"\b(?:en|ei)\s{_G2}(?:halua|haluu|jaksa|jaksais)\w*\s{_G2}olla olemassa\b"),
    ("suicidal", "fi", rf"\b(?:nukahtaa|nukkua)\s{_G3}(?:enka|eika|ja en|ja ei)\s{_G1}hera\w*"),
    (
        "suicidal",
        "fi",
        rf"\b(?:helpompaa|parempi|parempaa)\s{_G2}jos (?:ma|mina|mua|minua) (?:ei|en)\s"
        rf"{_G1}(?:ois|olis|olisi)",
    ),
    ("suicidal", "fi", rf"\b(?:halu\w*|tahdo\w*|tahto\w*|tahon|mieli)\s{_G3}kuol(?:la|isin|e)\b"),
    ("suicidal", "fi", rf"\b(?:toivo\w*|kunpa|kumpa|olisinpa|oisinpa)\s{_G3}(?:kuollu\w*|kuolisin|kuolis)\b"),
    ("suicidal", "fi", r"\bkuolisin\b|\bkuolla pois\b|\bhaluan pois (?:tasta )?elamasta"),
    (
        "suicidal",
        "fi",
        rf"\b(?:en|ei|emme)\s{_G3}(?:jaksa|halua|haluu|kesta|huvita|viitsi)\w*\s{_G2}ela(?:a|maa|man|ma)\b",
    ),
    ("suicidal", "fi", rf"\b(?:en|ei)\s{_G2}(?:jaksa|kesta)\w*\s{_G1}(?:enaa|enaan)\s{_G1}(?:mitaan|tata|olla)\b"),
    ("suicidal", "fi", rf"\b(?:ei|ole|oo)\s{_G3}(?:syyta|jarkea|tarkoitusta|merkitysta)\s{_G1}ela(?:a|maan|ma)\b"),
    ("suicidal", "fi", r"\belama(?:ssa)? ei (?:ole )?(?:kannata|mitaan jarkea|mitaan merkitysta)\b"),
    ("suicidal", "fi", r"\bei kannata (?:enaa )?elaa\b"),
    ("suicidal", "fi", rf"\b{_KILL_FI}\s{_G2}{_SELF_FI}|\b{_SELF_FI}\s{_G1}{_KILL_FI}"),
    ("suicidal", "fi", rf"\bhirt\w*\s{_G2}(?:itse|itte)\w*|\bhirtt?aydy\w*|\bhirtan\b"),
    (
        "suicidal",
        "fi",
        rf"\bhyp(?:paan|pasin|pais\w*|paa|ata)\s{_G3}"
        r"(?:alle|sillalta|katolta|parvekkeelta|ikkunasta|junan|auton)",
    ),
    ("suicidal", "fi", rf"\b(?:lopet\w*|paat\w*)\s{_G2}(?:kaiken|elamani|elamansa|paivani|paivansa|henkeni)\b"),
    ("suicidal", "fi", r"\bparempi (?:ilman (?:mua|minua)|kuollee?na)"),
    ("suicidal", "fi", r"\bparempi jos (?:ma|mina|mua|minua)? ?(?:en|ei) (?:ois|olis|olisi|oo|ole)"),
    ("suicidal", "fi", r"\b(?:ottaa|otan|riist\w*) (?:oma )?henk(?:i|eni|ensa)\b"),
    ("suicidal", "fi", rf"\b(?:ajattel|mieti|mietin|mietti|haaveil|suunnitt|suunnitel)\w*\s{_G2}kuolema\w*"),
    ("suicidal", "fi", rf"\b(?:en|ei)\s{_G2}(?:halua|haluu|haluis)\w*\s{_G2}herat\w*"),
    ("suicidal", "fi", rf"\bhalu\w*\s{_G2}(?:kadota|haihtua|lakata olemasta)\b"),
    ("suicidal", "fi", r"\bkoysi\b|\bkoyden\b|\bhirttoko\w*"),
    # --- Finnish: self-harm
    ("self_harm", "fi", r"\bviil(?:l|t|s)\w*|\bviilto\w*"),
    (
        "self_harm",
        "fi",
        rf"\b(?:satut|vahingoit|lyon|poltan|poltin|raavin|raavi|hakkaan|rankaisen|leikk|viill|viilt|pistin|pistan)\w*"
        rf"\s{_G2}{_SELF_FI}",
    ),
    ("self_harm", "fi", r"\bpartater\w*|\bterall[a]? (?:itse|itte)\w*"),
    ("self_harm", "fi", rf"\b{_SELF_FI}\s{_G2}(?:satut|vahingoit|viil)\w*"),
    ("self_harm", "fi", r"\brantee\w* auki\b|\branteet\b|\branteita\b"),
    ("self_harm", "fi", r"\bteen (?:itselleni|itelleni|itteleni) pahaa\b"),
    # --- Finnish: overdose and other danger now
    ("danger_now", "fi", rf"\b{_AMOUNT_FI}\s{_G2}{_MEDS_FI}"),
    ("danger_now", "fi", rf"\b{_MEDS_FI}\s{_G2}liikaa\b"),
    ("danger_now", "fi", r"\byliannos\w*|\bmyrkyt\w*"),
    ("danger_now", "fi", rf"\b(?:seuraa|seuras|vaanii|vaani|jahtaa|vahtii)\w*\s{_G2}{_ME_FI}"),
    ("danger_now", "fi", rf"\b(?:joku|mies|ne|se|auto)\s{_G1}(?:seuraa|seuras|vaanii|jahtaa)\b"),
    (
        "danger_now",
        "fi",
        rf"\b(?:pelot|pelkaa|pelkaan|uskalla|uskallan)\w*\s{_G3}(?:kotiin|kotona|kotia|himaan|himas|himassa)\b",
    ),
    ("danger_now", "fi", rf"\b(?:en|ei)\s{_G2}(?:ole|oo|tunne)\s{_G1}(?:turvassa|turvallista|turvallinen)\b"),
    ("danger_now", "fi", r"\bvaarassa\b|\bhengenvaara\w*|\byrittaa paasta sisaan\b|\bhatatilan\w*"),
    # --- Finnish: violence now
    (
        "violence_now",
        "fi",
        r"\b(?:lyo|lyoo|lyov\w*|lyon(?:y|yt)|loi|hakkaa\w*|hakkas\w*|potki\w*|kurist\w*|raiskas?\w*"
        rf"|ahdistel\w*|satutta\w*|uhkail\w*)\s{_G2}{_ME_FI}\b",
    ),
    ("violence_now", "fi", rf"\b{_KIN_FI}\s{_G2}{_HIT_FI}\b"),
    ("violence_now", "fi", rf"\b(?:lyo|lyoo|lyov\w*|hakkaa\w*|hakkas\w*|potki\w*|kurist\w*)\s{_G2}{_VICTIM_FI}\b"),
    ("violence_now", "fi", rf"\b\w*(?:ystava|puoli|mies|isa|iska)\s{_G1}{_HIT_FI}\b"),
    ("violence_now", "fi", rf"\b(?:uhka\w*|aikoo|meinaa|lupas\w*)\s{_G3}{_KILL_FI}"),
    ("violence_now", "fi", r"\btapp(?:aa|aavat|aisi) (?:mut|minut|meidat|mua)\b"),
    ("violence_now", "fi", r"\bpahoinpit\w*|\braiska\w*|\bpuukot\w*|\bpuukko\b|\bveitsen kanssa\b|\baseen kanssa\b"),
    # --- Swedish
    ("suicidal", "sv", rf"\bvill\s{_G2}do\b|\bvill inte\s{_G1}leva\b|\borkar inte\s{_G2}leva\b"),
    ("suicidal", "sv", r"\bta\w* livet av\b|\bsjalvmord\w*|\bavsluta (?:mitt liv|allt|livet)\b"),
    ("suicidal", "sv", r"\bhanga mig\b|\binget (?:att )?leva for\b|\bdoda mig\b|\bvill inte finnas\b"),
    ("suicidal", "sv", r"\bbattre (?:om jag var )?dod\b|\bbattre utan mig\b"),
    ("suicidal", "sv", r"\bta (?:mitt|mitt eget) liv\b|\bvill inte vakna\b"),
    ("self_harm", "sv", r"\bskad\w* mig\b|\bskar\w* mig\b|\bsjalvskad\w*|\bbranner mig\b"),
    ("violence_now", "sv", rf"\bslar\s{_G2}(?:mig|oss|mamma|pappa)\b|\bmisshand\w*|\bhota\w*\s{_G3}doda\b"),
    ("violence_now", "sv", r"\bsparka\w* mig\b|\bstryp\w*|\bvaldt\w*"),
    ("danger_now", "sv", rf"\bfoljer (?:efter )?mig\b|\bvagar inte\s{_G2}hem\b|\brad+ {_G3}hem\b"),
    ("danger_now", "sv", r"\bforfolj\w* mig\b"),
    ("danger_now", "sv", r"\bfor manga (?:tabletter|piller)\b|\boverdos\w*|\binte (?:saker|trygg) hemma\b"),
    # --- English
    ("suicidal", "en", rf"\bkill\w*\s{_G1}(?:myself|my self)\b|\bsuicid\w*|\bwant\w* to die\b|\bwanna die\b"),
    ("suicidal", "en", r"\bend(?:ing)? (?:it all|my life)\b|\b(?:dont|don't|do not) want to (?:live|be alive|exist)\b"),
    ("suicidal", "en", r"\bno (?:reason|point) (?:to|in) (?:live|living)\b|\bbetter off dead\b"),
    ("suicidal", "en", r"\btake my (?:own )?life\b|\bhang myself\b|\bunalive\w*|\bkms\b"),
    ("suicidal", "en", r"\b(?:dont|don't|do not) want to (?:wake up|be here)\b"),
    ("self_harm", "en", r"\b(?:cut|cutting|hurt|hurting|harm|harming|burn|burning) (?:myself|my self|my wrists?)\b"),
    ("self_harm", "en", r"\bself[ -]?harm\w*|\bslit my wrists?\b"),
    (
        "violence_now",
        "en",
        r"\b(?:hitting|hits|hit|beating|beats|beat|kicking|choking|strangling|abusing|raping|hurting)\s"
        rf"{_G1}(?:me|us|my mom|my mum)\b",
    ),
    ("violence_now", "en", r"\b(?:going|gonna|threaten\w*) to kill (?:me|us)\b|\braped\b"),
    ("danger_now", "en", r"\boverdos\w*|\btook too many (?:pills|tablets)\b|\bfollowing me\b"),
    ("danger_now", "en", r"\b(?:afraid|scared) to go home\b|\bnot safe\b|\bin danger\b"),
    (
        "danger_now",
        "en",
        r"\b(?:swallowed|took|taken|ate)\s(?:a bunch of|all(?: of)?(?: my)?|too many|a lot of|lots of|a handful of"
        r"|the whole \w+ of)\s(?:\w+ )?(?:pills|tablets|meds|medication|painkillers)\b",
    ),
    ("suicidal", "en", r"\b(?:not|isnt|isn't|is not|aint) worth living\b"),
]

_PATTERNS = [(cat, lang, re.compile(pat)) for cat, lang, pat in _PATTERNS_RAW]

# Harmless idioms removed before matching. Kept short and literal on purpose.
_HARMLESS = re.compile(
    r"\bkuol\w* (?:nauruun|tylsyyteen|nalkaan|janoon|hapeaan|jannitykseen|ikavaan)\b"
    r"|\b(?:puhelin|puhelimen|puhelimeni|luuri|akku|akkuni|kone|koneeni|lappari|auto|kasvi|kukka|kala"
    r"|kissa|koira|hamsteri)\w* (?:\w+ )?kuol\w*"
    r"|\btap\w* (?:aikaa|ajan|aikaansa)\b"
    r"|\bdying (?:of laughter|to (?:know|see|try|go|meet))\b|\bkilling time\b|\bkill time\b|\bhit me up\b"
    r"|\blyo\w* vetoa\b|\bhakka\w* (?:puita|puuta|halkoja|klapeja)\b|\bleikk\w* itse (?:hiuk|tukk|kynn|ruoh|nurm)\w*"
    r"|\bdo av skratt\b|\bdoda tiden\b"
)

# With Voikko: base-form sets that signal risk when all are present, tried in order.
_BASEFORM_RULES: list[tuple[str, frozenset[str]]] = [
    (category, frozenset(" ".join(forms).split()))
    for category, forms in load_table("crisis-baseforms-fi.txt", unique=False)
]


def detect_crisis(text: str, lang: str | None = None) -> CrisisHit | None:
    """The first sign of acute risk in ``text``, or None.

    ``lang`` is only a hint for reporting: all languages' patterns run on every
    message, because clients switch languages and a Swedish cry for help on the
    Finnish page must not be missed.
    """
    if not text:
        return None
    folded = fold(text[:5000])
    if not folded:
        return None
    cleaned = _HARMLESS.sub(" ", folded)
    for cat, plang, pat in _PATTERNS:
        m = pat.search(cleaned)
        if m:
            return CrisisHit(cat, m.group(0).strip(), plang)
    analyser = get_analyser()
    if isinstance(analyser, VoikkoAnalyser):
        words: set[str] = set()
        for tok in text[:5000].lower().split():
            words.update(analyser.word_terms(re.sub(r"[^\wåäö-]", "", tok), "fi") if tok.strip() else ())
        for cat, needed in _BASEFORM_RULES:
            if needed <= words:
                return CrisisHit(cat, " ".join(sorted(needed)), lang or "fi")
    return None
