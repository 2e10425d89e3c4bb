"""Normalisation and stance cues: table-driven, with near-misses that would pass if the logic broke."""

from __future__ import annotations

import pytest

from bot.matching.clean import clean, negated_auxiliary, words
from bot.matching.language import guess_language
from bot.matching.negation import effective_negations, separate_retorts, stance_contexts
from bot.matching.stemming import stem_words
from bot.matching.text import analyse, tokenize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NATO DIDN'T Promise", "nato did not promise"),
        ("it didn\u2019t happen", "it did not happen"),  # curly apostrophe
        ("they won't and can't", "they will not and can not"),
        ("did'nt", "did not"),  # misplaced apostrophe
        ("nato didnt promise", "nato did not promise"),  # chat: no apostrophe
        ("it wasnt signed", "it was not signed"),
        ("nato woudnt expand", "nato would not expand"),  # chat: misspelt auxiliary too
        ("they shoudnt have", "they should not have"),
        ("I want it, you went, the parent meant", "i want it, you went, the parent meant"),  # near-misses stay
        ("see https://example.com/x?y=1 now", "see   now"),
        ("pic.twitter.com/AbC123 done", "  done"),
        ("hey <@U123ABC> and @dana", "hey   and  "),
        ("#NATOExpansion is trending", " NATO Expansion  is trending".casefold()),
        ("the U.S. and the US said", "the  usa  and the  usa  said"),
        ("zero\u200bwidth\u00adsoft", "zero width soft"),
        ("line one\nline two", "line one\nline two"),  # line breaks survive: they end sentences
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize(
    ("token", "aux"),
    [
        ("didnt", "did"),
        ("doesnt", "does"),
        ("wasnt", "was"),
        ("werent", "were"),
        ("cant", "can"),
        ("wont", "will"),
        ("aint", "is"),
        ("wouldnt", "would"),
        ("woudnt", "would"),
        ("coudnt", "could"),
        ("shoudnt", "should"),
        ("havent", "have"),
        ("want", None),
        ("went", None),
        ("meant", None),
        ("parent", None),
        ("paint", None),
        ("event", None),
        ("sent", None),
        ("nt", None),
    ],
)
def test_negated_auxiliary(token: str, aux: str | None) -> None:
    assert negated_auxiliary(token) == aux


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("NATO never promised not to expand eastward", "en"),
        ("La OTAN nunca prometió no expandirse hacia el este", "es"),
        ("Die NATO hat nie versprochen, sich nicht nach Osten zu erweitern", "de"),
        ("L'OTAN n'a jamais promis de ne pas s'élargir à l'est", "fr"),
        ("НАТО никогда не обещало не расширяться на восток", "ru"),
        ("НАТО ніколи не обіцяло не розширюватися на схід", "uk"),
        ("NATO nigdy nie obiecało, że nie będzie się rozszerzać na wschód", "pl"),
    ],
)
def test_guess_language(text: str, lang: str) -> None:
    assert guess_language(words(clean(text))) == lang


@pytest.mark.parametrize(
    ("a", "b", "lang"),
    [
        ("promised", "promise", "en"),
        ("expanding", "expand", "en"),
        ("prometió", "prometio", "es"),  # accents folded after stemming
        ("Горбачёв", "Горбачев", "ru"),  # ё and е meet
        ("élargissement", "elargissement", "fr"),
        ("Bündnisse", "Bundnisse", "de"),
    ],
)
def test_stems_meet(a: str, b: str, lang: str) -> None:
    assert stem_words([clean(a)], lang) == stem_words([clean(b)], lang)


def test_analyse_drops_stop_words_and_single_letters_but_keeps_negations_and_numbers() -> None:
    result = analyse("The West promised in 1990 that it would not move a single inch!", "en")
    assert result.surface == ("west", "promised", "1990", "not", "move", "single", "inch")
    assert result.terms[1] == "promis"
    assert result.negations == 1


def test_analyse_offsets_point_into_the_cleaned_text() -> None:
    result = analyse("Hello @bob, NATO didnt promise", offsets=True)
    assert [result.cleaned[a:b] for a, b in result.offsets] == ["hello", "nato", "not", "promise"]


NEGATIONS = [
    # English: single and double negation, contractions with and without apostrophes, debunking words
    ("NATO promised not to expand", "en", 1),
    ("NATO never promised not to expand", "en", 2),
    ("NATO didn't promise Russia it wouldn't expand", "en", 2),
    ("nato didnt promise russia it woudnt expand", "en", 2),
    ("no such pledge was ever made", "en", 1),
    ("the promise not to expand is a myth", "en", 2),
    ("that NATO promise is a lie", "en", 1),
    ("the broken promise is Russian propaganda", "en", 1),
    ("neither Baker nor Genscher signed anything", "en", 1),  # nor adds nothing
    ("didn't NATO promise not to expand?", "en", 1),  # rhetorical question asserts
    ("NATO promised to expand", "en", 0),
    # Spanish: n-words after "no" agree with it; a preverbal n-word negates alone
    ("La OTAN no prometió nunca nada", "es", 1),
    ("La OTAN nunca prometió no expandirse", "es", 2),
    ("Nunca hubo ninguna promesa de no ampliar la OTAN", "es", 2),
    ("Baker dijo que la OTAN no se movería ni una pulgada", "es", 1),
    ("Eso es un mito", "es", 1),
    # German: no negative concord; "noch" is not a negation
    ("Die NATO hat nie versprochen, sich nicht zu erweitern", "de", 2),
    ("Es gab keine Zusage", "de", 1),
    ("Die NATO ist noch da", "de", 0),
    ("Das ist eine Lüge", "de", 1),
    # French: ne ... pas / ne ... jamais count once; a preverbal n-word with "ne" once
    ("L'OTAN ne s'étendrait pas vers l'est", "fr", 1),
    ("L'OTAN n'a jamais promis de ne pas s'élargir", "fr", 2),
    ("Aucun accord n'a été signé", "fr", 1),
    ("aucune promesse de ne pas s'élargir", "fr", 2),
    ("c'est pas vrai", "fr", 1),
    ("une personne a dit", "fr", 0),  # "personne" is a noun without "ne"
    # Russian: n-words always come with "не", which carries the negation
    ("НАТО никогда не обещало не расширяться", "ru", 2),
    ("Никто не обещал Горбачёву, что НАТО не будет расширяться", "ru", 2),
    ("Запад обещал, что НАТО не будет расширяться", "ru", 1),
    ("Это миф", "ru", 1),
]


@pytest.mark.parametrize(("text", "lang", "count"), NEGATIONS)
def test_effective_negations(text: str, lang: str, count: int) -> None:
    assert analyse(text, lang).negations == count


def test_effective_negations_of_plain_tokens() -> None:
    assert effective_negations(["nato", "never", "promised", "not", "to", "expand"], "en") == 2
    assert effective_negations(["did", "not", "nato", "promise"], "en", question=True) == 0


def _stance_of(text: str, lang: str = "en") -> dict[str, int]:
    result = analyse(text, lang)
    return dict(zip(result.surface, result.stances, strict=True))


@pytest.mark.parametrize(
    ("text", "word", "negated"),
    [
        ("NATO promised not to expand", "promised", 0),
        ("NATO promised not to expand", "expand", 1),
        ("NATO never promised not to expand", "promised", 1),
        ("NATO never promised not to expand", "expand", 0),  # double negation
        ("NATO didnt promise russia it woudnt expand", "promise", 1),
        ("NATO didnt promise russia it woudnt expand", "expand", 0),
        ("the NATO promise story is a myth", "promise", 1),  # a debunking word flips its sentence
        ("NATO promised. That is a myth", "promised", 0),  # ... and only its sentence
        ("it was never discussed and no promise was made", "promise", 1),  # a new clause, not a double negation
        ("there is a signed treaty that NATO won't expand, and it is legally binding", "binding", 0),
        ("no troops and nukes", "nukes", 1),  # coordination stays in scope
        ("did not NATO promise to stay out?", "promise", 0),
        # A retort standing alone answers the sentence before it ...
        ("NATO promised not to expand. Wrong.", "promised", 1),
        ("NATO never promised anything. Total nonsense!", "promised", 0),
        # ... also before a colon or comma, and the words after it are the speaker's own statement.
        ('they say "it was never written down". Wrong: it is in a signed treaty', "written", 0),
        ('they say "it was never written down". Wrong: it is in a signed treaty', "signed", 0),
        ("nothing was signed. False, the treaty binds NATO", "treaty", 0),
        # Opening a message, "False:" labels what follows (as fact-check titles do), and "Myth:" always does.
        ("False: NATO promised not to expand", "promised", 1),
        ("NATO grew. Myth: NATO promised to stop", "promised", 1),
        # A label pointing back at a denial ("..., that's a myth") repeats the denial ...
        ("NATO never promised not to expand, that's a myth", "promised", 1),
        ("NATO never promised not to expand, that's a myth", "expand", 0),
        # ... but labels a statement false when what it points at only negates an infinitive.
        ("NATO promised not to expand, that's a myth", "promised", 1),
        ("the claim that NATO never promised anything is a lie", "promised", 0),
    ],
)
def test_stance_contexts(text: str, word: str, negated: int) -> None:
    assert _stance_of(text)[word] == negated


@pytest.mark.parametrize(
    ("text", "lang", "word", "negated"),
    [
        # An n-word opens the negation its verb's negator licenses, however far the verb: what stands between
        # them is denied too ("no promise [not to expand] was given": the promise is denied, the expansion not).
        ("Никакого обещания не расширять НАТО на восток Москве не давали.", "ru", "обещания", 1),
        ("Никакого обещания не расширять НАТО на восток Москве не давали.", "ru", "расширять", 0),
        ("Никакого обещания Москве не давали.", "ru", "обещания", 1),
        ("Жодної обіцянки Москві не давали.", "uk", "обіцянки", 1),
        ("Żadnej obietnicy Moskwie nie złożono.", "pl", "obietnicy", 1),
        ("Aucune promesse n'a été faite à Moscou.", "fr", "promesse", 1),
        # The negator that licenses it is not a second negation, nor is a second n-word.
        ("Никто никогда не обещал, что НАТО не будет расширяться", "ru", "обещал", 1),
        ("Никто никогда не обещал, что НАТО не будет расширяться", "ru", "расширяться", 0),
        # A negator before the n-word licenses it as before.
        ("Не было никакого обещания", "ru", "обещания", 1),
    ],
)
def test_an_n_word_opens_its_negation(text: str, lang: str, word: str, negated: int) -> None:
    assert _stance_of(text, lang)[word] == negated


@pytest.mark.parametrize(
    ("text", "lang", "word", "negated"),
    [
        ("L'OTAN n'a jamais promis de ne pas s'élargir vers l'est, c'est un mythe", "fr", "promis", 1),
        ("La OTAN nunca prometió no expandirse, eso es un mito", "es", "prometió", 1),
        ("La OTAN prometió no expandirse, eso es un mito", "es", "prometió", 1),
        ("La OTAN prometió no expandirse, eso es un mito", "es", "expandirse", 0),
        ("НАТО не обещало не расширяться, это миф", "ru", "обещало", 1),
    ],
)
def test_a_label_pointing_back_in_other_languages(text: str, lang: str, word: str, negated: int) -> None:
    assert _stance_of(text, lang)[word] == negated


def test_retorts_are_separated_without_moving_any_offset() -> None:
    cleaned = clean("it was never written down. wrong: it is signed")
    separated = separate_retorts(cleaned)
    assert separated == "it was never written down. wrong. it is signed"
    assert len(separated) == len(cleaned)
    assert separate_retorts("wrong: it is signed") == "wrong: it is signed"  # a label, not an answer
    assert separate_retorts("x. wrongful, yes") == "x. wrongful, yes"  # whole words only


def test_stance_contexts_follow_tokens() -> None:
    tokens = tokenize(clean("Never promised. Promised!"))
    assert tokens == ["never", "promised", ".", "promised", "!"]
    assert stance_contexts(tokens, "en") == [1, 1, 0, 0, 0]


def test_french_ne_que_restricts_and_does_not_negate() -> None:
    only = "gorbatchev n a accepté l allemagne dans l otan que parce qu on lui avait promis".split()
    assert effective_negations(only, "fr") == 0
    assert effective_negations("il n a pas dit que l otan grandirait".split(), "fr") == 1
    assert effective_negations("l alliance ne s étendrait pas".split(), "fr") == 1


@pytest.mark.parametrize(
    "text",
    [
        "NATO promised Gorbachev it wouldn't expand one inch eastward!",
        "Wrong: it is SIGNED. U.S. officials didnt promise anything… see https://t.co/x #NatoExpansion @user",
        "  Die NATO hat nie versprochen, sich nicht nach Osten zu erweitern.\n\nFalsch!  ",
        "La OTAN nunca prometió no expandirse hacia el este; ¿verdad?",
        "НАТО никогда не обещало не расширяться на восток",
        "Ｆｕｌｌｗｉｄｔｈ ＮＡＴＯ and ﬁ ligatures, Ǆ and ß: STRASSE isn't Straße",
        "x y z 1 2 3 _ __ a_b 2015's 9/11",
        "",
    ],
)
def test_analysing_with_offsets_finds_the_same_words(text: str) -> None:
    # The matcher counts a candidate window's words on the remembered analysis with offsets (analyse_message).
    plain, with_offsets = analyse(text), analyse(text, offsets=True)
    assert with_offsets[:5] == plain[:5]
