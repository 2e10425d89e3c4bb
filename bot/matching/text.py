"""Text normalisation for matching: cleaning, language guess, tokens, stems and negation cues."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

# Every pattern here is linear-time on any input: no nested quantifiers, no backreferences.
_URL = re.compile(r"(?:https?://|www\.)\S{0,2000}", re.IGNORECASE)
_PLATFORM_MARKUP = re.compile(r"<[@#!][^<>\s]{0,120}>")
_WORD = re.compile(r"\w+")
_CONTRACTION = re.compile(r"(\w+)n't\b")
_CONTRACTION_STEMS = {"won": "will", "can": "can", "ca": "can", "sha": "shall", "ai": "is"}

STEMMER_NAMES = {
    "en": "english",
    "es": "spanish",
    "de": "german",
    "fr": "french",
    "ru": "russian",
    "pl": "polish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "sv": "swedish",
    "da": "danish",
    "no": "norwegian",
    "fi": "finnish",
    "hu": "hungarian",
    "ro": "romanian",
    "tr": "turkish",
    "cs": "czech",
    "el": "greek",
    "ca": "catalan",
    "lt": "lithuanian",
    "sr": "serbian",
    "ar": "arabic",
    "hi": "hindi",
    "id": "indonesian",
}


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS: dict[str, frozenset[str]] = {
    "en": _word_set("""a an the and or but if then so of to in on at by for from with about as
        into onto over under up down out off than that this these those there here it its it's
        is are was were be been being am do does did doing have has had having will would shall
        should can could may might must i me my we us our you your he him his she her they them
        their what which who whom whose when where why how all any some such own same too very
        just also only even again still yet s t d ll m re ve o y lol lmao tbh imo idk like
        really actually literally gonna wanna yeah yes ok okay oh hey guys guy people thing
        things stuff get got one say said says tell told know think"""),
    "es": _word_set("""el la los las un una unos unas y o pero si de del al a en por para con
        sin sobre entre que qué como cómo cuando donde quien es son era eran fue fueron ser
        estar está están estaba ha han había haber se su sus lo le les me mi mis te tu tus nos
        vos ya muy más también solo esto esta este estos estas eso esa ese esos esas aquel hay"""),
    "de": _word_set("""der die das den dem des ein eine einen einem einer eines und oder aber
        wenn dann so von zu im in an am auf bei für mit über unter aus als wie dass daß ist sind
        war waren sein gewesen hat haben hatte hatten wird werden wurde wurden es er sie wir ihr
        ich du man sich auch nur noch schon sehr mehr dieser diese dieses jener hier da dort"""),
    "fr": _word_set("""le la les l un une des du de d et ou mais si en dans sur sous par pour
        avec sans entre que qu qui quoi dont où est sont était étaient été être a ont avait
        avaient avoir se s sa son ses leur leurs ce cet cette ces c il elle ils elles on nous
        vous je j tu me m te lui y au aux très plus aussi même déjà"""),
    "ru": _word_set("""и в во на с со к ко о об от до по за из у а но или что чтобы как так это
        этот эта эти тот та те то же ли бы был была были было быть есть он она они оно мы вы я
        ты его её их ему ей им мне себя свой своя свои уже ещё только очень при для про"""),
    "uk": _word_set("""і й в у на з зі до по за із а але або що щоб як так це цей ця ці той та
        те же чи б був була були було бути є він вона вони воно ми ви я ти його її їх йому їй їм
        мені себе свій своя свої вже ще тільки дуже при для про"""),
    "pl": _word_set("""i w we na z ze do po za od o a ale lub albo że żeby jak tak to ten ta te
        tego tej tym czy by był była były było być jest są on ona oni ono my wy ja ty jego jej
        ich mu im mi się swój już jeszcze tylko bardzo przy dla"""),
}

NEGATION_CUES: dict[str, frozenset[str]] = {
    "en": _word_set("""not no never nothing none nobody neither nor nowhere myth myths lie lies
        lied false fake hoax untrue debunked nonsense propaganda bogus fabricated fabrication"""),
    "es": _word_set("""no nunca jamás ningún ninguna ninguno nada nadie ni mito mentira falso
        falsa bulo"""),
    "de": _word_set("""nicht nie niemals kein keine keinen keinem keiner keines nichts niemand
        weder noch mythos lüge falsch erfunden"""),
    "fr": _word_set("""ne n pas jamais aucun aucune rien personne ni mythe mensonge faux fausse"""),
    "ru": _word_set("""не нет никогда ни никакого никаких никакой ничего никто миф ложь фейк
        неправда"""),
    "uk": _word_set("""не ні ніколи жодного жодних жодної нічого ніхто міф брехня фейк неправда"""),
    "pl": _word_set("""nie nigdy żadnej żadnego żadnych nic nikt mit kłamstwo fałsz"""),
}
ALL_NEGATION_CUES = frozenset().union(*NEGATION_CUES.values())
LANGUAGES = tuple(STOPWORDS)


def clean(text: str) -> str:
    """Normalise Unicode, drop links, platform markup and invisible characters, case-fold."""
    text = unicodedata.normalize("NFKC", text)
    text = _URL.sub(" ", text)
    text = _PLATFORM_MARKUP.sub(" ", text)
    text = "".join(" " if unicodedata.category(ch) in {"Cf", "Cc", "Co", "Cs"} else ch for ch in text)
    text = text.casefold().replace("\u2019", "'").replace("\u02bc", "'")
    return _CONTRACTION.sub(lambda m: f"{_CONTRACTION_STEMS.get(m.group(1), m.group(1))} not", text)


def words(cleaned: str) -> list[str]:
    """Split cleaned text into word tokens."""
    return _WORD.findall(cleaned)


def fold_accents(word: str) -> str:
    """Strip diacritics so 'prometió' and 'prometio' meet; done after stemming, which needs them."""
    decomposed = unicodedata.normalize("NFD", word)
    if decomposed == word:
        return word
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def guess_language(tokens: Sequence[str], default: str = "en") -> str:
    """Guess the language of a message from its script and its stop-words; cheap and good enough to pick a stemmer."""
    cyrillic = sum(1 for t in tokens if t and "\u0400" <= t[0] <= "\u04ff")
    if tokens and cyrillic * 2 >= len(tokens):
        if any(ch in t for t in tokens for ch in "іїєґ"):
            return "uk"
        return "ru"
    best, best_hits = default, 0
    for lang in ("en", "es", "de", "fr", "pl"):
        stop = STOPWORDS[lang] | NEGATION_CUES[lang]
        hits = sum(1 for t in tokens if t in stop)
        if hits > best_hits:
            best, best_hits = lang, hits
    return best


_local = threading.local()


def _stemmer(lang: str) -> Stemmer.Stemmer | None:
    # PyStemmer objects keep a cache and are not safe to share across threads.
    cache: dict[str, Stemmer.Stemmer | None] | None = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    if lang not in cache:
        name = STEMMER_NAMES.get(lang)
        cache[lang] = Stemmer.Stemmer(name) if name else None
    return cache[lang]


def stem_words(tokens: Sequence[str], lang: str) -> list[str]:
    """Stem with the language's Snowball stemmer (or a prefix cut where none exists), then fold accents."""
    stemmer = _stemmer(lang)
    stems = stemmer.stemWords(list(tokens)) if stemmer else [t[:6] for t in tokens]
    return [fold_accents(s) for s in stems]


@dataclass(frozen=True, slots=True)
class Analysed:
    """A piece of text turned into what the index and the stance check need."""

    lang: str
    terms: tuple[str, ...]
    negations: int
    surface: tuple[str, ...]


def content_words(tokens: Sequence[str], lang: str) -> list[str]:
    """Tokens worth indexing: no stop-words, no single letters; negation words are kept on purpose."""
    stop = STOPWORDS.get(lang, STOPWORDS["en"])
    return [t for t in tokens if (len(t) > 1 or t.isdigit()) and t not in stop]


def count_negations(tokens: Sequence[str]) -> int:
    """Count negation and debunking cues in any catalogue language."""
    return sum(1 for t in tokens if t in ALL_NEGATION_CUES)


@lru_cache(maxsize=4096)
def _cached_stem(word: str, lang: str) -> str:
    return stem_words([word], lang)[0]


def analyse(text: str, lang: str | None = None) -> Analysed:
    """Clean, tokenise, guess the language if not given, drop stop-words and stem."""
    tokens = words(clean(text))
    language = lang or guess_language(tokens)
    kept = content_words(tokens, language)
    return Analysed(language, tuple(stem_words(kept, language)), count_negations(tokens), tuple(kept))


def stem_one(word: str, lang: str) -> str:
    """Stem a single word, memoised for typo repair."""
    return _cached_stem(word, lang)
