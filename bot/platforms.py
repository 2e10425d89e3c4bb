"""Chat platforms as plug-ins, found through the `factbot.platforms` entry points.

Each platform names its settings section, adds its options and tools to the command line, and runs the bot
on services it is given; the command line and the settings name no platform, so adding one (Matrix,
Telegram) is a package of its own plus one entry point. A platform module imports its chat library only
when it runs, so `factbot run NAME` can say which extra to install.
"""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.settings import Section, Settings

ENTRY_POINT_GROUP = "factbot.platforms"

# How a platform opens the core's services: bot.app.open_services, passed in so adapters never import it.
OpenServices = Callable[..., AbstractAsyncContextManager[Any]]


class PlatformError(Exception):
    """A platform cannot be used as asked (not installed, unknown); the message says what to do."""


@dataclass(frozen=True, slots=True)
class Platform:
    """One chat platform."""

    name: str
    summary: str
    extra: str  # the pip extra that installs its chat library
    library: str  # the module that extra provides, looked for before running
    settings: type[Section]  # its settings section (the name is the section's, the prefix its own)
    run: Callable[[Settings, argparse.Namespace, OpenServices], Awaitable[int]]
    add_run_options: Callable[[argparse.ArgumentParser], None] | None = None  # options of `factbot run NAME`
    add_tools: Callable[[argparse.ArgumentParser], None] | None = None  # `factbot NAME ACTION`, when it has any

    def require(self) -> None:
        """Refuse to run without the platform's library, naming the extra that installs it."""
        if importlib.util.find_spec(self.library) is None:
            raise PlatformError(f"this needs the {self.extra} extra: pip install 'factbot[{self.extra}]'")


@cache
def platforms() -> dict[str, Platform]:
    """Every installed platform, by name."""
    found: dict[str, Platform] = {}
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        platform = point.load()
        if not isinstance(platform, Platform) or platform.name != point.name:
            raise PlatformError(f"entry point {point.name} ({point.value}) is not the Platform named {point.name}")
        found[platform.name] = platform
    return found
