"""Every command factbot knows, registered once; adapters and help texts read this registry."""

from __future__ import annotations

from bot.core import channels, community, feedback, local, moderation, proposals, queue, stats, trial
from bot.core.commands import CommandRegistry, basic_registry


def default_registry() -> CommandRegistry:
    """Anyone's commands, then the moderators'."""
    registry = basic_registry()
    for module in (queue, trial, feedback, moderation, community, local, proposals, channels, stats):
        module.register(registry)
    return registry
