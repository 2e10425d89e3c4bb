"""Negation and stance: which words of a message stand under a negation, in seven languages.

Every loop walks the tokens once."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from bot.matching.clean import BOUNDARY_CHARS
from bot.matching.lexicon import word_set

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
    "en": word_set("not no never none nothing nobody neither nowhere nor cannot without noone"),
    "es": word_set("no nunca jamás jamas nadie nada ningún ningun ninguna ninguno ningunos ningunas ni tampoco"),
    "de": word_set("""nicht nie niemals kein keine keinen keinem keiner keines nichts niemand nirgends
        nirgendwo weder ohne"""),
    "fr": word_set("ne n non sans"),
    "ru": word_set("не нет без"),
    "uk": word_set("не ні немає без"),
    "pl": word_set("nie bez"),
}
# Words that are negative only together with (or, colloquially, instead of) a negator.
N_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(),
    "es": word_set("nunca jamás jamas nadie nada ningún ningun ninguna ninguno ningunos ningunas ni tampoco"),
    "de": frozenset(),
    "fr": word_set("pas jamais rien aucun aucune aucuns aucunes personne nullement guère ni point"),
    "ru": word_set("""никогда никто ничего ничто никакой никакого никакая никакие никаких никакому никаким
        ни нигде никуда ниоткуда нисколько ничуть ничем никем никого никому"""),
    "uk": word_set("ніколи ніхто нічого ніщо жоден жодного жодна жодних жодної ніде нікуди"),
    "pl": word_set("nigdy nikt nic niczego żaden żadna żadne żadnego żadnej żadnych nigdzie ani"),
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
    "en": word_set("""myth myths lie lies false fake hoax hoaxes untrue debunked debunk nonsense propaganda bogus
        fabricated fabrication fiction fairytale misinformation disinformation wrong bullshit bs"""),
    "es": word_set("mito mitos mentira mentiras falso falsa bulo bulos propaganda cuento invento fake"),
    "de": word_set("mythos märchen lüge lügen falsch erfunden propaganda unsinn quatsch fake"),
    "fr": word_set("mythe mythes mensonge mensonges faux fausse intox propagande bobard légende fake"),
    "ru": word_set("""миф мифы мифом ложь ложью неправда фейк фейком пропаганда пропаганды враньё вранье
        выдумка выдумки сказка сказки"""),
    "uk": word_set("міф брехня неправда фейк пропаганда вигадка"),
    "pl": word_set("mit mitem kłamstwo fałsz bzdura propaganda fejk"),
}
# Debunking words that, opening a sentence on their own ("Wrong.", "False!", "Wrong: it is in a signed
# treaty"), answer the sentence before them: they call that one false, and the words after them are the
# speaker's own statement. Opening a message ("False: Trump tweets ...", as fact-check titles begin) the same
# words label what follows, and labels such as "Myth:" always do, so those are not retorts.
RETORTS = word_set("""wrong false untrue nonsense bullshit bs falso mentira falsch unsinn quatsch faux неправда
    ложь враньё вранье брехня bzdura fałsz""")
_RETORT_FILLERS = word_set("that s is it this all total totally complete completely utter pure simply just so")
_RETORT_BEFORE_COLON = re.compile(
    r"(?<=[.!?;…\n])(\s*[\"'«»“”„]?\s*(?:" + "|".join(sorted(RETORTS, key=len, reverse=True)) + r")\s*)[:,—–]"
)


def separate_retorts(cleaned: str) -> str:
    """End a retort that opens a sentence with a full stop ("wrong: it is signed" -> "wrong. it is signed"), so
    it stands as a sentence of its own; the text keeps its length, so offsets stay valid."""
    if ":" not in cleaned and "," not in cleaned and "—" not in cleaned and "–" not in cleaned:
        return cleaned
    return _RETORT_BEFORE_COLON.sub(lambda m: m.group(1) + ".", cleaned)


def _is_retort(sentence: Sequence[str]) -> bool:
    """A sentence made of a retort and nothing but intensifiers: "Wrong.", "Total nonsense!", "That's false."."""
    return any(t in RETORTS for t in sentence) and all(t in RETORTS or t in _RETORT_FILLERS for t in sentence)


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


_FRENCH_NE = frozenset({"ne", "n"})
_FRENCH_QUE = frozenset({"que", "qu"})
_RESTRICTIVE_REACH = 10


def _restrictive(tokens: Sequence[str], i: int, n_words: frozenset[str]) -> bool:
    """French "ne ... que": a "ne" that meets "que" before any pas, jamais, rien ... restricts ("only")."""
    for token in tokens[i + 1 : i + 1 + _RESTRICTIVE_REACH]:
        if token in n_words:
            return False
        if token in _FRENCH_QUE:
            return True
    return False


def _flips(tokens: Sequence[str], lang: str, *, question: bool = False) -> list[int]:
    """Per token: 1 for a negator that flips the statement, 2 for a debunking word, 0 otherwise."""
    negators, n_words, debunkers = _cues(lang)
    concord = CONCORD.get(lang)
    flips = [0] * len(tokens)
    last = -100  # index of the last negation seen, counted or absorbed
    denial = -100  # index of the last negation of a statement (not of an infinitive: "promised not to expand")
    absorbed = -1  # a negator that licenses an n-word before it: the negation was counted at the n-word
    for i, token in enumerate(tokens):
        if token in n_words:
            licensed_before = i - last <= _CONCORD_REACH
            licensor = -1 if concord == "before" or licensed_before else _licensor(tokens, i, negators, lang)
            alone = concord in ("before", "near") and not licensed_before and licensor < 0
            if alone and token not in _NEEDS_LICENCE:
                flips[i] = 1
            elif licensor >= 0 and licensor != absorbed:
                # "Никакого обещания ... не давали", "aucune promesse n'a été faite": the negation's scope starts
                # at the n-word, so what stands between it and the verb's negator is negated too. A second n-word
                # licensed by the same negator ("жодних гарантій ... ніхто не давав") is the same negation.
                flips[i] = 1
                absorbed = licensor
            if flips[i] or licensed_before or licensor >= 0:
                last = denial = i
        elif i == absorbed:
            last = denial = i
        elif token in negators:
            if lang == "fr" and token in _FRENCH_NE and _restrictive(tokens, i, n_words):
                continue  # "n'a accepté que ...": "only", not a negation
            if token in _SECOND_MEMBER and i - last <= _NOR_REACH:
                last = i
                continue
            if question and i == 1 and token == "not" and tokens[0] in _RHETORICAL_AUX:
                continue
            flips[i] = 1
            last = i
            if not _negates_infinitive(tokens, i, lang):
                denial = i
        elif token in debunkers:
            if denial >= 0 and _points_back(tokens, i, denial, lang):
                continue  # "never promised it, that's a myth": the label repeats the denial
            flips[i] = 2
    return flips


def _licensor(tokens: Sequence[str], i: int, negators: frozenset[str], lang: str) -> int:
    """The negator after the n-word at `i` that licenses it, or -1. It negates the statement, not an infinitive
    ("никакого обещания не расширять ... не давали": the second не); under strict concord it may stand anywhere
    later in the sentence, since the verb always carries it, and elsewhere only within _CONCORD_REACH."""
    reach = len(tokens) if CONCORD.get(lang) == "strict" else i + 1 + _CONCORD_REACH
    for j in range(i + 1, min(reach, len(tokens))):
        if tokens[j] in negators and not _negates_infinitive(tokens, j, lang):  # "to not", "de ne" included
            return j
    return -1


# "That's a myth", "c'est un mythe", "eso es un mito", "das ist ein Mythos", "это миф": a label pointing back at
# what was just said.
_POINTERS: dict[str, frozenset[str]] = {
    "en": word_set("that this it"),
    "es": word_set("eso esto es"),
    "de": word_set("das"),
    "fr": word_set("c ça cela"),
    "ru": word_set("это"),
    "uk": word_set("це"),
    "pl": word_set("to"),
}
_POINTER_REACH = 3


# Infinitive endings after a negator ("no expandirse", "не расширять", "nie rozszerzać", "не розширювати").
_INFINITIVE_ENDINGS: dict[str, tuple[str, ...]] = {
    "es": ("ar", "er", "ir", "arse", "erse", "irse"),
    "ru": ("ть", "ться", "чь"),
    "uk": ("ти", "тися"),
    "pl": ("ć", "ać", "eć"),
}


def _negates_infinitive(tokens: Sequence[str], i: int, lang: str) -> bool:
    """Whether the negator at `i` negates an infinitive ("promised not to expand", "de ne pas", "nicht zu",
    "no expandirse") rather than the statement."""
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    if after in ("to", "zu") or (i > 0 and tokens[i - 1] in _INFINITIVE_MARKERS):
        return True
    if lang == "fr" and after == "pas" and i > 0 and tokens[i - 1] in ("de", "d"):
        return True
    endings = _INFINITIVE_ENDINGS.get(lang)
    return endings is not None and after.endswith(endings)


def _points_back(tokens: Sequence[str], i: int, denial: int, lang: str) -> bool:
    """Whether the debunking word at `i` labels, through a pointer word just before it, a statement that itself
    denies (a negation of the statement came before the pointer): then it repeats the denial instead of turning
    it around."""
    start = max(denial + 1, i - _POINTER_REACH)
    pointers = _POINTERS.get(lang, frozenset()) | _POINTERS["en"]
    return any(token in pointers for token in tokens[start:i])


def effective_negations(tokens: Sequence[str], lang: str, *, question: bool = False) -> int:
    """Count the negations that flip what a span of (expanded, case-folded) word tokens asserts.

    Negators (not, never, nicht, не ...) count once each; n-words count only where the language lets them
    negate alone (see CONCORD); debunking words (myth, lie, propaganda, wrong ...) count as a negation of the
    statement they label. A rhetorical question opening with a negated auxiliary ("didn't NATO promise ...?")
    asserts, so that negation does not count.
    """
    return sum(1 for flip in _flips(tokens, lang, question=question) if flip)


CONJUNCTIONS = word_set("and but y pero sino und aber sondern et mais и но а i ale")
# A conjunction followed by one of these starts a new clause with its own subject, out of an earlier
# negation's reach ("... that NATO won't enlarge, and it is legally binding").
CLAUSE_SUBJECTS = word_set("""i you he she it we they there this that these those everyone nobody somebody
    yo él ella ellos nosotros ich er sie es wir je il elle ils elles on nous я он она оно они мы это""")


def sentences_of(tokens: Sequence[str]) -> list[tuple[int, int, bool]]:
    """(start, end, is_question) for each sentence of a token stream that keeps boundary marks."""
    spans: list[tuple[int, int, bool]] = []
    start = 0
    for i, token in enumerate(tokens):
        if token in BOUNDARY_CHARS:
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
    ("... is a myth") flips its whole sentence; a retort standing as a sentence of its own ("Wrong.", see
    `separate_retorts`) flips the sentence before it. Boundary marks get 0.
    """
    return stance_of(tokens, lang)[0]


def stance_of(tokens: Sequence[str], lang: str) -> tuple[list[int], int]:
    """Stance contexts of every token (see `stance_contexts`) and the number of effective negations."""
    contexts = [0] * len(tokens)
    if negation_cues(lang).isdisjoint(tokens):
        return contexts, 0
    negations = 0
    previous: tuple[int, int] | None = None
    for start, end, question in sentences_of(tokens):
        sentence = tokens[start:end]
        if previous is not None and _is_retort(sentence):
            # "NATO promised not to expand. Wrong." calls the sentence before it false.
            negations += 1
            for i in range(*previous):
                contexts[i] ^= 1
            previous = None
            continue
        previous = (start, end)
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


def count_negations(tokens: Sequence[str], lang: str = "en") -> int:
    """Effective negations of a statement (see `effective_negations`)."""
    return effective_negations(tokens, lang)
