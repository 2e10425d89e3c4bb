"""Text normalisation for matching: cleaning, language guess, tokens, stems and stance (negation) cues.

Everything here is linear in the length of the input: the regular expressions have no nested quantifiers
or backreferences, and every loop walks the tokens once.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import Stemmer

# ----------------------------------------------------------------------------------------------- cleaning

_URL = re.compile(
    r"(?:https?://|www\.)\S{0,2000}"  # full links
    r"|\b[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,4}\.[a-z]{2,12}/\S{0,2000}",  # bare domain/path: pic.twitter.com/x
    re.IGNORECASE,
)
_PLATFORM_MARKUP = re.compile(r"<[@#!][^<>\s]{0,120}>")
_MENTION = re.compile(r"(?<![\w@])@\w{1,64}")
_HASHTAG = re.compile(r"(?<![\w#])#(\w{1,100})")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_APOSTROPHE_CHARS = ("\u2019", "\u02bc", "\u2018")  # and "`": all read as "'" (NFKC has already split "\u00b4")
# "didn't" and the misplaced "did'nt"; the stem before n't decides the auxiliary.
_CONTRACTION = re.compile(r"(\w+?)(?:n't|'nt)\b")
_CONTRACTION_STEMS = {"won": "will", "wo": "will", "can": "can", "ca": "can", "sha": "shall", "ai": "is"}
_WORD = re.compile(r"\w+")
_CHAT_NEGATION = re.compile(r"\b[dwihacmns][a-z]{1,6}nt\b")  # candidates for "didnt", "wasnt", "woudnt" ...
# Every control, format, private-use and surrogate code point (Unicode categories Cc, Cf, Co, Cs) except the
# line break, which marks a sentence end. Ranges from the Unicode 14 database of Python 3.11.
_INVISIBLE_RANGES = (
    (0x0, 0x9), (0xB, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD),
    (0x70F, 0x70F), (0x890, 0x891), (0x8E2, 0x8E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xD800, 0xF8FF), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD),
)  # fmt: skip
_INVISIBLE = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in _INVISIBLE_RANGES) + "]")
_US = re.compile(r"(?<![\w.])U\.?S\.?(?:A\.?)?(?![\w])")  # "US", "U.S.": the country, not the pronoun


def _split_hashtag(match: re.Match[str]) -> str:
    return " " + _CAMEL.sub(" ", match.group(1)).replace("_", " ") + " "


def clean(text: str) -> str:
    """Normalise Unicode; drop links, platform markup, @mentions and invisible characters; split #CamelCase;
    case-fold; expand "n't" contractions so the negation is a word of its own."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    # Each pass runs only when its trigger character is present: most text needs none of them.
    if "/" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "<" in text:
        text = _PLATFORM_MARKUP.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "#" in text:
        text = _HASHTAG.sub(_split_hashtag, text)
    if "US" in text or "U.S" in text:
        text = _US.sub(" USA ", text)
    if not text.isprintable():
        text = _INVISIBLE.sub(" ", text)
    text = text.casefold()
    if not text.isascii():
        for quote in _APOSTROPHE_CHARS:
            if quote in text:
                text = text.replace(quote, "'")
    if "`" in text:
        text = text.replace("`", "'")
    if "n't" in text or "'nt" in text:
        text = _CONTRACTION.sub(lambda m: f"{_CONTRACTION_STEMS.get(m.group(1), m.group(1))} not", text)
    if "nt" in text:
        text = _CHAT_NEGATION.sub(_expand_chat_negation, text)
    return text


def _expand_chat_negation(match: re.Match[str]) -> str:
    aux = negated_auxiliary(match.group())
    return f"{aux} not" if aux else match.group()


def words(cleaned: str) -> list[str]:
    """Split cleaned text into word tokens."""
    return _WORD.findall(cleaned)


# Chat spelling drops the apostrophe ("didnt", "wasnt") and often misspells the auxiliary too ("woudnt").
_NEGATED_AUX_EXACT = {
    "do": "do", "does": "does", "did": "did", "is": "is", "was": "was", "are": "are", "were": "were",
    "has": "has", "have": "have", "had": "had", "ca": "can", "can": "can", "wo": "will", "ai": "is",
    "would": "would", "could": "could", "should": "should", "must": "must", "need": "need", "might": "might",
}  # fmt: skip
_NEGATED_AUX_FUZZY = ("would", "could", "should", "does", "have", "were", "must", "need", "might", "did", "was")


def _near(a: str, b: str) -> bool:
    """Edit distance at most 1 (one insertion, deletion or substitution)."""
    if abs(len(a) - len(b)) > 1 or a[0] != b[0]:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


@lru_cache(maxsize=8192)
def negated_auxiliary(token: str) -> str | None:
    """'didnt' -> 'did', 'woudnt' -> 'would', 'wasnt' -> 'was'; None for words like 'want' or 'parent'."""
    if len(token) < 4 or not token.endswith("nt") or not token.isalpha():
        return None
    stem = token[:-2]
    if stem in _NEGATED_AUX_EXACT:
        return _NEGATED_AUX_EXACT[stem]
    if stem.endswith("n") and stem[:-1] in _NEGATED_AUX_EXACT:  # "didnnt", "doesnnt"
        return _NEGATED_AUX_EXACT[stem[:-1]]
    if len(stem) >= 3:
        for aux in _NEGATED_AUX_FUZZY:
            if len(aux) >= 3 and _near(stem, aux):
                return aux
    return None


def expand_tokens(tokens: Sequence[str]) -> list[str]:
    """Split apostrophe-less negated auxiliaries into auxiliary + 'not'."""
    out: list[str] = []
    for token in tokens:
        aux = negated_auxiliary(token) if token.endswith("nt") else None
        if aux is None:
            out.append(token)
        else:
            out.extend((aux, "not"))
    return out


def _fold_latin(word: str) -> str:
    if word.isascii() or not any("\u00c0" <= ch <= "\u024f" for ch in word):
        return word.replace("ё", "е") if "ё" in word else word
    return "".join(fold_accents(ch) if "\u00c0" <= ch <= "\u024f" else ch for ch in word)


def fold_accents(word: str) -> str:
    """Strip diacritics: 'prometió' and 'prometio', 'Горбачёв' and 'Горбачев' meet."""
    decomposed = unicodedata.normalize("NFD", word)
    if decomposed == word:
        return word
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# ----------------------------------------------------------------------------------------------- languages

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
        things stuff get got one know think ur u im dont thats its
        whats theres"""),
    "es": _word_set("""el la los las un una unos unas y o pero si de del al a en por para con
        sin sobre entre que qué como cómo cuando donde quien es son era eran fue fueron ser
        estar está están estaba ha han había haber se su sus lo le les me mi mis te tu tus nos
        vos ya muy más también solo esto esta este estos estas eso esa ese esos esas aquel hay"""),
    "de": _word_set("""der die das den dem des ein eine einen einem einer eines und oder aber
        wenn dann so von zu im in an am auf bei für mit über unter aus als wie dass daß ist sind
        war waren sein gewesen hat haben hatte hatten wird werden wurde wurden es er sie wir ihr
        ich du man sich auch nur noch schon sehr mehr dieser diese dieses jener hier da dort doch"""),
    "fr": _word_set("""le la les l un une des du de d et ou mais si en dans sur sous par pour
        avec sans entre que qu qui quoi dont où est sont était étaient été être a ont avait
        avaient avoir se s sa son ses leur leurs ce cet cette ces c il elle ils elles on nous
        vous je j tu me m te lui y au aux très plus aussi même déjà"""),
    "ru": _word_set("""и в во на с со к ко о об от до по за из у а но или что чтобы как так это
        этот эта эти тот та те то же ли бы был была были было быть есть он она они оно мы вы я
        ты его её их ему ей им мне себя свой своя свои уже ещё только очень при для про вот"""),
    "uk": _word_set("""і й в у на з зі до по за із а але або що щоб як так це цей ця ці той та
        те же чи б був була були було бути є він вона вони воно ми ви я ти його її їх йому їй їм
        мені себе свій своя свої вже ще тільки дуже при для про"""),
    "pl": _word_set("""i w we na z ze do po za od o a ale lub albo że żeby jak tak to ten ta te
        tego tej tym czy by był była były było być jest są on ona oni ono my wy ja ty jego jej
        ich mu im mi się swój już jeszcze tylko bardzo przy dla"""),
}
LANGUAGES = tuple(STOPWORDS)


# ----------------------------------------------------------------------------------------------- stance cues
#
# A message asserts a claim or its opposite. Similarity scores cannot see the difference, so the matcher
# compares the parity of "effective negations" in the message window and in the matched phrasing. Three kinds
# of cue count, per language:
#   negators    not, never, no, nothing ... (each one flips the statement)
#   n-words     words that only reinforce a nearby negator in negative-concord languages ("никогда не",
#               "nunca ... ninguna", "n'a jamais"), counted only when no negator is within reach
#   debunkers   words that call a statement false: myth, lie, hoax, propaganda, wrong, ...
# A rhetorical question that opens with a negated auxiliary ("didn't NATO promise ...?") asserts, so that
# negation does not count.

NEGATORS: dict[str, frozenset[str]] = {
    "en": _word_set("not no never none nothing nobody neither nowhere nor cannot without noone"),
    "es": _word_set("no nunca jamás jamas nadie nada ningún ningun ninguna ninguno ningunos ningunas ni tampoco"),
    "de": _word_set("""nicht nie niemals kein keine keinen keinem keiner keines nichts niemand nirgends
        nirgendwo weder ohne"""),
    "fr": _word_set("ne n non sans"),
    "ru": _word_set("не нет без"),
    "uk": _word_set("не ні немає без"),
    "pl": _word_set("nie bez"),
}
# Words that are negative only together with (or, colloquially, instead of) a negator.
N_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(),
    "es": _word_set("nunca jamás jamas nadie nada ningún ningun ninguna ninguno ningunos ningunas ni tampoco"),
    "de": frozenset(),
    "fr": _word_set("pas jamais rien aucun aucune aucuns aucunes personne nullement guère ni point"),
    "ru": _word_set("""никогда никто ничего ничто никакой никакого никакая никакие никаких никакому никаким
        ни нигде никуда ниоткуда нисколько ничуть ничем никем никого никому"""),
    "uk": _word_set("ніколи ніхто нічого ніщо жоден жодного жодна жодних жодної ніде нікуди"),
    "pl": _word_set("nigdy nikt nic niczego żaden żadna żadne żadnego żadnej żadnych nigdzie ani"),
}
# How n-words combine with negators. "strict" (ru, uk, pl): n-words never negate on their own, the verb always
# carries a negator ("никто не обещал"). "before" (es): an n-word negates unless a negator comes just before it
# ("no ... nunca"); before the verb it stands alone ("nunca prometió no expandirse": two negations). "near"
# (fr): unless a negator comes just before it ("n'a jamais") or just after it ("aucun accord n'a").
CONCORD = {"ru": "strict", "uk": "strict", "pl": "strict", "es": "before", "fr": "near"}
# French "personne" and "point" are nouns unless a negator licenses them.
_NEEDS_LICENCE = frozenset({"personne", "point"})
# A negator right after these marks an infinitive ("promise not to expand", "de ne pas", "de no ampliar"): it
# negates the infinitive and does not license an n-word before it.
_INFINITIVE_MARKERS = frozenset({"to", "de", "d", "zu"})
_SECOND_MEMBER = frozenset({"nor", "ni", "ani"})
DEBUNKERS: dict[str, frozenset[str]] = {
    "en": _word_set("""myth myths lie lies false fake hoax hoaxes untrue debunked debunk nonsense propaganda bogus
        fabricated fabrication fiction fairytale misinformation disinformation wrong bullshit bs"""),
    "es": _word_set("mito mitos mentira mentiras falso falsa bulo bulos propaganda cuento invento fake"),
    "de": _word_set("mythos märchen lüge lügen falsch erfunden propaganda unsinn quatsch fake"),
    "fr": _word_set("mythe mythes mensonge mensonges faux fausse intox propagande bobard légende fake"),
    "ru": _word_set("""миф мифы мифом ложь ложью неправда фейк фейком пропаганда пропаганды враньё вранье
        выдумка выдумки сказка сказки"""),
    "uk": _word_set("міф брехня неправда фейк пропаганда вигадка"),
    "pl": _word_set("mit mitem kłamstwo fałsz bzdura propaganda fejk"),
}
ALL_NEGATION_CUES = frozenset().union(*NEGATORS.values(), *N_WORDS.values(), *DEBUNKERS.values())
_RHETORICAL_AUX = frozenset("do does did is was are were has have had can will would could should must".split())
_CONCORD_REACH = 4  # tokens within which a negator and an n-word form one negation
_NOR_REACH = 8  # "neither ... nor", "no ... ni": the second member adds no negation


@lru_cache(maxsize=64)
def negation_cues(lang: str) -> frozenset[str]:
    """Every word that can negate or debunk in a language (English ones count in every language)."""
    negators, n_words, debunkers = _cues(lang)
    return negators | n_words | debunkers


@lru_cache(maxsize=64)
def _cues(lang: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    negators = NEGATORS.get(lang, frozenset()) | NEGATORS["en"]
    n_words = N_WORDS.get(lang, frozenset())
    debunkers = DEBUNKERS.get(lang, frozenset()) | DEBUNKERS["en"]
    return negators - n_words, n_words, debunkers


def _flips(tokens: Sequence[str], lang: str, *, question: bool = False) -> list[int]:
    """Per token: 1 for a negator that flips the statement, 2 for a debunking word, 0 otherwise."""
    negators, n_words, debunkers = _cues(lang)
    concord = CONCORD.get(lang)
    flips = [0] * len(tokens)
    last = -100  # index of the last negation seen, counted or absorbed
    for i, token in enumerate(tokens):
        if token in n_words:
            licensed_before = i - last <= _CONCORD_REACH
            licensed_after = concord != "before" and any(
                t in negators and tokens[j - 1] not in _INFINITIVE_MARKERS
                for j, t in enumerate(tokens[i + 1 : i + 1 + _CONCORD_REACH], start=i + 1)
            )
            alone = (
                concord in ("before", "near")
                and not (licensed_before or licensed_after)
                and token not in _NEEDS_LICENCE
            )
            if alone:
                flips[i] = 1
            if alone or licensed_before or licensed_after:
                last = i
        elif token in negators:
            if token in _SECOND_MEMBER and i - last <= _NOR_REACH:
                last = i
                continue
            if question and i == 1 and token == "not" and tokens[0] in _RHETORICAL_AUX:
                continue
            flips[i] = 1
            last = i
        elif token in debunkers:
            flips[i] = 2
    return flips


def effective_negations(tokens: Sequence[str], lang: str, *, question: bool = False) -> int:
    """Count the negations that flip what a span of (expanded, case-folded) word tokens asserts.

    Negators (not, never, nicht, не ...) count once each; n-words count only where the language lets them
    negate alone (see CONCORD); debunking words (myth, lie, propaganda, wrong ...) count as a negation of the
    statement they label. A rhetorical question opening with a negated auxiliary ("didn't NATO promise ...?")
    asserts, so that negation does not count.
    """
    return sum(1 for flip in _flips(tokens, lang, question=question) if flip)


CONJUNCTIONS = _word_set("and but y pero sino und aber sondern et mais и но а i ale")
# A conjunction followed by one of these starts a new clause with its own subject, out of an earlier
# negation's reach ("... that NATO won't enlarge, and it is legally binding").
CLAUSE_SUBJECTS = _word_set("""i you he she it we they there this that these those everyone nobody somebody
    yo él ella ellos nosotros ich er sie es wir je il elle ils elles on nous я он она оно они мы это""")


def sentences_of(tokens: Sequence[str]) -> list[tuple[int, int, bool]]:
    """(start, end, is_question) for each sentence of a token stream that keeps boundary marks."""
    spans: list[tuple[int, int, bool]] = []
    start = 0
    for i, token in enumerate(tokens):
        if token in _BOUNDARY_CHARS:
            if i > start:
                spans.append((start, i, "?" in token))
            start = i + 1
    if start < len(tokens):
        spans.append((start, len(tokens), False))
    return spans


def stance_contexts(tokens: Sequence[str], lang: str) -> list[int]:
    """For each token, 1 if it stands under an odd number of negations, else 0.

    A negator's scope runs to the end of its sentence, across subordinate clauses ("never promised it would
    not expand" puts "expand" back to 0). After a coordinating conjunction a new negator starts a fresh clause
    ("never discussed and no promise was made": "promise" is 1) rather than flipping back, and a conjunction
    followed by a subject pronoun ("..., and it is binding") ends the earlier negation's reach. A debunking word
    ("... is a myth") flips its whole sentence. Boundary marks get 0.
    """
    return _stance(tokens, lang)[0]


def _stance(tokens: Sequence[str], lang: str) -> tuple[list[int], int]:
    """Stance contexts of every token (see `stance_contexts`) and the number of effective negations."""
    contexts = [0] * len(tokens)
    if negation_cues(lang).isdisjoint(tokens):
        return contexts, 0
    negations = 0
    for start, end, question in sentences_of(tokens):
        sentence = tokens[start:end]
        flips = _flips(sentence, lang, question=question)
        negations += sum(1 for flip in flips if flip)
        debunked = sum(1 for flip in flips if flip == 2) % 2
        context, after_conjunction = 0, False
        for offset, (token, flip) in enumerate(zip(sentence, flips, strict=True)):
            if flip == 1:
                context = 1 if after_conjunction else context ^ 1
                after_conjunction = False
            elif token in CONJUNCTIONS:
                after_conjunction = True
            elif after_conjunction and token in CLAUSE_SUBJECTS and sentence[offset - 1] in CONJUNCTIONS:
                context = 0
            contexts[start + offset] = context ^ debunked
    return contexts, negations


# ----------------------------------------------------------------------------------------------- language guess


def guess_language(tokens: Sequence[str], default: str = "en") -> str:
    """Guess the language of a message from its script and its stop-words; cheap and good enough to pick a stemmer."""
    cyrillic = sum(1 for t in tokens if t and "\u0400" <= t[0] <= "\u04ff")
    if tokens and cyrillic * 2 >= len(tokens):
        if any(ch in t for t in tokens for ch in "іїєґ"):
            return "uk"
        return "ru"
    best, best_hits = default, 0
    for lang in ("en", "es", "de", "fr", "pl"):
        stop = _GUESS_WORDS[lang]
        hits = sum(1 for t in tokens if t in stop)
        if hits > best_hits:
            best, best_hits = lang, hits
    return best


_GUESS_WORDS = {
    lang: (STOPWORDS[lang] | NEGATORS[lang] | N_WORDS[lang])
    - frozenset({"a", "o", "y", "i", "e", "de", "en", "in", "la", "no", "so", "an", "die", "son", "des", "on"})
    | _word_set({"en": "the and not of is was to", "es": "el la de que no", "de": "die der und ist nicht",
                 "fr": "le la les de des est", "pl": "nie się że"}[lang])
    for lang in ("en", "es", "de", "fr", "pl")
}  # fmt: skip


# ----------------------------------------------------------------------------------------------- stemming

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


_STEM_CACHE_LIMIT = 300_000  # words per language
_stem_cache: dict[str, dict[str, str]] = {}


def stem_words(tokens: Sequence[str], lang: str) -> list[str]:
    """Stem with the language's Snowball stemmer (or a prefix cut where none exists), then fold accents.

    Results are memoised per (word, language), since catalogues and chat repeat their words; the memo is
    dropped when it grows past a bound.
    """
    cache = _stem_cache.get(lang)
    if cache is None:
        cache = _stem_cache[lang] = {}
    try:
        return [cache[token] for token in tokens]
    except KeyError:
        pass
    # Work from a local copy, so that another thread clearing the memo cannot break this call.
    known = {token: stem for token in dict.fromkeys(tokens) if (stem := cache.get(token)) is not None}
    missing = [token for token in dict.fromkeys(tokens) if token not in known]
    stemmer = _stemmer(lang)
    # Chat often drops accents, so Latin-script words lose theirs before stemming too ("prometio" must stem
    # like "prometió"); Cyrillic keeps its letters (the Russian stemmer needs "й"), folded only afterwards.
    prepared = [_fold_latin(t) for t in missing]
    stems = stemmer.stemWords(prepared) if stemmer else [t[:6] for t in prepared]
    fresh = {token: stem if stem.isascii() else fold_accents(stem) for token, stem in zip(missing, stems, strict=True)}
    if len(cache) > _STEM_CACHE_LIMIT:
        cache.clear()
    cache.update(fresh)
    known.update(fresh)
    return [known[token] for token in tokens]


def content_words(tokens: Sequence[str], lang: str) -> list[str]:
    """Tokens worth indexing: no stop-words, no single letters; negation words are kept on purpose."""
    stop = STOPWORDS.get(lang, STOPWORDS["en"])
    return [t for t in tokens if (len(t) > 1 or t.isdigit()) and t not in stop]


def count_negations(tokens: Sequence[str], lang: str = "en") -> int:
    """Effective negations of a statement (see `effective_negations`)."""
    return effective_negations(tokens, lang)


class Analysed(NamedTuple):
    """A piece of text turned into what the index and the stance check need.

    `terms` are the stems of the content words `surface`, in reading order; `stances` gives, for each term,
    1 if it stands under a negation (see `stance_contexts`); `negations` counts the effective negations.
    With `offsets=True`, `cleaned` is the cleaned text and `offsets` each term's span in it.
    """

    lang: str
    terms: tuple[str, ...]
    negations: int
    surface: tuple[str, ...]
    stances: tuple[int, ...] = ()
    cleaned: str = ""
    offsets: tuple[tuple[int, int], ...] = ()


_TOKEN = re.compile(r"\w+|[.!?;…\n]")
_ASCII_TOKEN = re.compile(r"[a-z0-9_]+|[.!?;\n]")  # the same on case-folded ASCII text, and faster
_BOUNDARY_CHARS = frozenset(".!?;…\n")


def tokenize(cleaned: str) -> list[str]:
    """Word tokens with sentence-boundary marks kept as tokens (one per mark)."""
    return _TOKEN.findall(cleaned)


def analyse(text: str, lang: str | None = None, *, offsets: bool = False) -> Analysed:
    """Clean, tokenise, guess the language if not given, drop stop-words and stem; note negation scopes."""
    cleaned = clean(text)
    spans: list[tuple[int, int]] = []
    if offsets:
        matches = list(_TOKEN.finditer(cleaned))
        tokens = [m.group() for m in matches]
        spans = [m.span() for m in matches]
    else:
        tokens = (_ASCII_TOKEN if cleaned.isascii() else _TOKEN).findall(cleaned)
    language = lang or guess_language([t for t in tokens if t[0] not in _BOUNDARY_CHARS])
    contexts, negations = _stance(tokens, language)
    drop = _drop_set(language)
    # Boundary marks are single characters, so the length test drops them with the single letters.
    if negations or offsets:
        keep = [i for i, token in enumerate(tokens) if token not in drop and (len(token) > 1 or token.isdigit())]
        kept = [tokens[i] for i in keep]
        stances = tuple(contexts[i] for i in keep)
    else:
        kept = [token for token in tokens if token not in drop and (len(token) > 1 or token.isdigit())]
        stances = (0,) * len(kept)
    return Analysed(
        language,
        tuple(stem_words(kept, language)),
        negations,
        tuple(kept),
        stances,
        cleaned if offsets else "",
        tuple(spans[i] for i in keep) if offsets else (),
    )


@lru_cache(maxsize=64)
def _drop_set(lang: str) -> frozenset[str]:
    """Tokens never kept: the language's stop-words, single Latin letters and sentence marks."""
    return STOPWORDS.get(lang, STOPWORDS["en"]) | frozenset("abcdefghijklmnopqrstuvwxyz_") | _BOUNDARY_CHARS


@lru_cache(maxsize=65536)
def stem_one(word: str, lang: str) -> str:
    """Stem a single word, memoised for typo repair."""
    return stem_words([word], lang)[0]
