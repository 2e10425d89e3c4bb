"""Autocomplete for claim ids: what a moderator or reader is most likely typing, within Discord's 25 choices."""

from __future__ import annotations

from collections.abc import Mapping

from discord import app_commands

from bot.adapters.discord.text import clip
from bot.domain.models import StoredClaim

MAX_CHOICES = 25
NAME_MAX = 100


def _rank(claim_id: str, stored: StoredClaim, typed: str) -> int | None:
    if not typed:
        return 3
    if claim_id.startswith(typed):
        return 0
    if typed in claim_id:
        return 1
    if typed in stored.claim.claim.casefold():
        return 2
    return None


def claim_choices(claims: Mapping[str, StoredClaim], typed: str) -> list[app_commands.Choice[str]]:
    """Ids that start with, then contain, what was typed, then claims whose text contains it; active first."""
    typed = typed.strip().casefold()
    ranked = []
    for claim_id, stored in claims.items():
        rank = _rank(claim_id, stored, typed)
        if rank is not None:
            ranked.append((rank, not stored.claim.is_active, claim_id, stored))
    ranked.sort(key=lambda item: item[:3])
    return [
        app_commands.Choice(
            name=clip(f"{claim_id} \u2014 {' '.join(stored.claim.claim.split())}", NAME_MAX), value=claim_id
        )
        for _, _, claim_id, stored in ranked[:MAX_CHOICES]
    ]
