"""Typed command parameters: declared once per command, read from a typed line or from a platform's own options.

The text grammar: the first `spaced` parameters are separated by spaces (`claim edit ID FIELD VALUE`), the rest
by `|` (`alias add ID | TEXT | LANG`); the last parameter keeps any further `|` (an excerpt may contain one).
Platforms with typed options (Discord's slash commands) pass values by name and get the same checks.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.parsing import CommandError, parse_number, parse_target


class Kind(enum.Enum):
    """What a parameter holds, which decides how it is read and how a platform offers it."""

    TEXT = "text"  # free text
    WORD = "word"  # one word, such as a duration or a language code
    TARGET = "target"  # a claim id, optionally with @VERSION
    NUMBER = "number"  # a positive whole number (a report, revision or evidence number)
    CHOICE = "choice"  # one of `choices`
    FLAG = "flag"  # present or not: its own name typed as a word (`queue list all`), a yes/no option elsewhere


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a command."""

    name: str  # the option name on platforms, and the key handlers read
    kind: Kind
    help: str = ""
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int = 1000
    label: str = ""  # how usage lines show it, as is; by default the upper-cased name, in [] when optional
    what: str = ""  # for a number: what it counts ("report"), in error messages

    @property
    def shown(self) -> str:
        """The parameter as usage lines show it."""
        if self.label:
            return self.label
        if self.kind is Kind.FLAG:
            return f"[{self.name}]"
        text = "|".join(self.choices) if self.kind is Kind.CHOICE else self.name.upper().replace("-", "_")
        return text if self.required else f"[{text}]"


@dataclass(frozen=True, slots=True)
class Target:
    """A claim named by id, and the version the moderator saw when they typed it (None: any)."""

    claim_id: str
    version: int | None = None


class Args:
    """A command's parsed arguments, read by name with the type the parameter declared."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = dict(values)

    def text(self, name: str) -> str:
        """A text, word or choice parameter; "" when an optional one was left out."""
        value = self._values.get(name, "")
        return value if isinstance(value, str) else ""

    def number(self, name: str) -> int:
        """A number parameter."""
        value = self._values[name]
        assert isinstance(value, int) and not isinstance(value, bool)
        return value

    def optional_number(self, name: str, default: int) -> int:
        """A number parameter that may be left out."""
        value = self._values.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    def target(self, name: str = "id") -> Target:
        """A claim id parameter."""
        value = self._values[name]
        assert isinstance(value, Target)
        return value

    def flag(self, name: str) -> bool:
        """Whether a flag was given."""
        return self._values.get(name) is True

    def __repr__(self) -> str:
        return f"Args({self._values!r})"


def usage(name: str, params: Sequence[Param], spaced: int = 0) -> str:
    """The usage line of a command, from its parameters (the grammar of `read_line`)."""
    words = min(spaced, len(params) - 1)
    line = name
    for position, param in enumerate(params):
        shown = param.shown
        if position <= words or position == 0:
            line += f" {shown}"
        elif not param.required and not param.label and param.kind is not Kind.FLAG:
            line += f" [| {shown[1:-1]}]"
        else:
            line += f" | {shown}"
    return line


def read_value(param: Param, raw: str) -> object:
    """One parameter's value from text, checked; a CommandError says what is wrong."""
    text = raw.strip()
    if param.kind is Kind.FLAG:
        if text.lower() not in {"", param.name}:
            raise CommandError(f"`{text[:40]}` is not understood here; did you mean `{param.name}`?")
        return text.lower() == param.name
    if not text:
        if param.required:
            raise CommandError(f"{param.name} is missing.")
        return ""
    if len(text) > param.max_length:
        raise CommandError(f"{param.name}: is {len(text):,} characters; the limit is {param.max_length:,}.")
    if param.kind is Kind.TARGET:
        return Target(*parse_target(text))
    if param.kind is Kind.NUMBER:
        return parse_number(text, param.what or param.name)
    if param.kind is Kind.CHOICE:
        if text.lower() not in param.choices:
            raise CommandError(
                f"{param.name}: '{text[:40]}' is not a {param.name}; use one of: {', '.join(param.choices)}."
            )
        return text.lower()
    if param.kind is Kind.WORD and len(text.split()) > 1:
        raise CommandError(f"{param.name}: is one word, not '{text[:40]}'.")
    return text


def read_line(params: Sequence[Param], spaced: int, line: str, usage_line: str) -> Args:
    """A typed command's arguments, by the text grammar; CommandError shows the usage on a misfit.

    A command without parameters ignores what follows it ("help me").
    """
    rest = line.strip() if params else ""
    raw: list[str] = []
    for _ in range(min(spaced, len(params) - 1)):  # the last parameter always keeps the rest of the line
        word, _, rest = rest.partition(" ")
        raw.append(word)
        rest = rest.strip()
    remaining = len(params) - len(raw)
    if remaining == 1:
        raw.append(rest)
    elif remaining > 1:
        raw.extend(part.strip() for part in rest.split("|", remaining - 1))
    values: dict[str, object] = {}
    for position, param in enumerate(params):
        text = raw[position] if position < len(raw) else ""
        if not text.strip() and param.required:
            raise CommandError(f"Usage: `{usage_line}`")
        values[param.name] = read_value(param, text)
    return Args(values)


def read_options(params: Sequence[Param], options: Mapping[str, object], usage_line: str) -> Args:
    """A command's arguments from a platform's typed options (by name), with the same checks as typed text."""
    unknown = set(options) - {p.name for p in params}
    if unknown:
        raise CommandError(f"Unknown option {sorted(unknown)[0]!r}; usage: `{usage_line}`")
    values: dict[str, object] = {}
    for param in params:
        given = options.get(param.name)
        if param.kind is Kind.FLAG:
            values[param.name] = given is True
            continue
        text = "" if given is None else str(given)
        if not text.strip() and param.required:
            raise CommandError(f"Usage: `{usage_line}`")
        values[param.name] = read_value(param, text)
    return Args(values)
