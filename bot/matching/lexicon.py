"""The per-language word lists the matcher uses: stemmer names and stop-words."""

from __future__ import annotations

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


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS: dict[str, frozenset[str]] = {
    "en": word_set("""a an the and or but if then so of to in on at by for from with about as
        into onto over under up down out off than that this these those there here it its it's
        is are was were be been being am do does did doing have has had having will would shall
        should can could may might must i me my we us our you your he him his she her they them
        their what which who whom whose when where why how all any some such own same too very
        just also only even again still yet s t d ll m re ve o y lol lmao tbh imo idk like
        really actually literally gonna wanna yeah yes ok okay oh hey guys guy people thing
        things stuff get got one know think ur u im dont thats its
        whats theres"""),
    "es": word_set("""el la los las un una unos unas y o pero si de del al a en por para con
        sin sobre entre que qué como cómo cuando donde quien es son era eran fue fueron ser
        estar está están estaba ha han había haber se su sus lo le les me mi mis te tu tus nos
        vos ya muy más también solo esto esta este estos estas eso esa ese esos esas aquel hay"""),
    "de": word_set("""der die das den dem des ein eine einen einem einer eines und oder aber
        wenn dann so von zu im in an am auf bei für mit über unter aus als wie dass daß ist sind
        war waren sein gewesen hat haben hatte hatten wird werden wurde wurden es er sie wir ihr
        ich du man sich auch nur noch schon sehr mehr dieser diese dieses jener hier da dort doch"""),
    "fr": word_set("""le la les l un une des du de d et ou mais si en dans sur sous par pour
        avec sans entre que qu qui quoi dont où est sont était étaient été être a ont avait
        avaient avoir se s sa son ses leur leurs ce cet cette ces c il elle ils elles on nous
        vous je j tu me m te lui y au aux très plus aussi même déjà"""),
    "ru": word_set("""и в во на с со к ко о об от до по за из у а но или что чтобы как так это
        этот эта эти тот та те то же ли бы был была были было быть есть он она они оно мы вы я
        ты его её их ему ей им мне себя свой своя свои уже ещё только очень при для про вот"""),
    "uk": word_set("""і й в у на з зі до по за із а але або що щоб як так це цей ця ці той та
        те же чи б був була були було бути є він вона вони воно ми ви я ти його її їх йому їй їм
        мені себе свій своя свої вже ще тільки дуже при для про"""),
    "pl": word_set("""i w we na z ze do po za od o a ale lub albo że żeby jak tak to ten ta te
        tego tej tym czy by był była były było być jest są on ona oni ono my wy ja ty jego jej
        ich mu im mi się swój już jeszcze tylko bardzo przy dla"""),
}
LANGUAGES = tuple(STOPWORDS)
