"""Claim phrasings: the matcher reads one phrasing's text by its position among `variants()`."""

from __future__ import annotations

from bot.domain.models import Alias, Claim, Verdict


def test_a_variants_text_is_read_by_its_position_in_variants() -> None:
    claim = Claim(
        id="c",
        claim="NATO promised not to expand",
        verdict=Verdict.FALSE,
        summary="s",
        evidence=(),
        aliases=(Alias("la OTAN prometió no expandirse", "es"), Alias("NATO pledged no enlargement", "en")),
    )
    texts = [variant.text for variant in claim.variants()]
    assert texts[0] == claim.claim and len(texts) == 3
    assert [claim.variant_text(number) for number in range(len(texts))] == texts
