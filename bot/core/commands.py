"""The command grammar shared by every platform: a registry of named commands and the basic commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process, utils

from bot.catalogue.schema import ID_PATTERN
from bot.core.factcheck import answer
from bot.core.forms import FormSpec
from bot.core.limits import Limits
from bot.core.live import LiveCatalogue, Snapshot
from bot.core.metrics import Metrics
from bot.core.offload import off_loop
from bot.core.params import Args, Kind, Param, usage
from bot.core.permissions import Authority
from bot.core.policy import ReplyPolicy
from bot.core.services import Stores
from bot.domain.models import Actor, Origin, Reply, ReplyAction, ReplyKind, StoredClaim

MAX_COMMAND_CHARS = 20_000
MAX_SEARCH_RESULTS = 5


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Everything a command handler may use; handlers return replies and never send anything."""

    actor: Actor
    origin: Origin
    snapshot: Snapshot
    catalogue: LiveCatalogue
    registry: CommandRegistry
    stores: Stores = field(default_factory=Stores)
    policy: ReplyPolicy | None = None
    metrics: Metrics | None = None
    limits: Limits | None = None
    authority: Authority = Authority.MEMBER

    @property
    def community(self) -> str:
        """The community the command was used in; a community moderator's power ends at its border."""
        return self.origin.community


Handler = Callable[[CommandContext, Args], Awaitable[list[Reply]]]
FormHandler = Callable[[CommandContext, Mapping[str, str]], Awaitable[list[Reply]]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command, declared once: its words, its help, who may run it, and the typed parameters it takes.

    Typed lines, Discord's slash commands, Slack's forms, usage lines and `help` all come from this.
    """

    name: str
    help: str
    handler: Handler
    params: tuple[Param, ...] = ()
    spaced: int = 0  # how many leading parameters are separated by spaces rather than `|`
    authority: Authority = Authority.MEMBER
    aliases: tuple[str, ...] = ()
    accepts: Callable[[str], bool] | None = None  # checked only when invoked by an alias
    form: FormSpec | None = None
    form_handler: FormHandler | None = None

    @property
    def usage(self) -> str:
        """The usage line, from the parameters."""
        return usage(self.name, self.params, self.spaced)


def info(text: str) -> Reply:
    """A private informational answer."""
    return Reply(kind=ReplyKind.INFO, text=text, ephemeral=True)


def error(text: str) -> Reply:
    """A private answer to a command that could not be carried out, saying what to do instead."""
    return Reply(kind=ReplyKind.ERROR, text=text, ephemeral=True)


class CommandRegistry:
    """A plain mapping from command words to specs; the longest matching name wins."""

    def __init__(self) -> None:
        self._by_name: dict[str, CommandSpec] = {}
        self._specs: list[CommandSpec] = []

    def add(self, spec: CommandSpec) -> None:
        """Register a command; names and aliases must be unique."""
        for name in (spec.name, *spec.aliases):
            if name in self._by_name:
                raise ValueError(f"command name {name!r} is registered twice")
            self._by_name[name] = spec
        self._specs.append(spec)

    def specs(self) -> list[CommandSpec]:
        """Every command in registration order."""
        return list(self._specs)

    def names(self) -> list[str]:
        """Every name and alias."""
        return list(self._by_name)

    def resolve(self, line: str) -> tuple[CommandSpec, str] | None:
        """Find the command a line invokes and the rest of the line as its arguments."""
        words = line.split()
        for length in range(min(len(words), 3), 0, -1):
            name = " ".join(words[:length]).lower()
            spec = self._by_name.get(name)
            if spec is None:
                continue
            args = _rest_after_words(line, length)
            # An alias that shadows free text ("factcheck show me ...") only applies when its arguments fit.
            if spec.accepts is None or name == spec.name or spec.accepts(args):
                return spec, args
        return None

    def suggest(self, line: str, limit: int = 3) -> list[str]:
        """Command names close to what was typed, for 'did you mean' answers."""
        head = " ".join(line.split()[:2]).lower()
        found = process.extract(
            head, self.names(), scorer=fuzz.ratio, processor=utils.default_process, limit=limit, score_cutoff=60
        )
        return [name for name, _, _ in found]


def _rest_after_words(line: str, count: int) -> str:
    rest = line.strip()
    for _ in range(count):
        parts = rest.split(None, 1)
        rest = parts[1] if len(parts) > 1 else ""
    return rest.strip()


def closest_ids(ids: Iterable[str], wanted: str, limit: int = 3) -> list[str]:
    """Claim ids that look like a mistyped one."""
    found = process.extract(
        wanted, list(ids), scorer=fuzz.WRatio, processor=utils.default_process, limit=limit, score_cutoff=50
    )
    return [name for name, _, _ in found]


def unknown_claim(snapshot: Snapshot, claim_id: str) -> Reply:
    """Name the unknown id and suggest the closest real ones."""
    close = closest_ids(snapshot.claims, claim_id)
    hint = f" Did you mean {', '.join(f'`{c}`' for c in close)}?" if close else " Try `claim search WORDS`."
    return error(f"No claim has the id `{claim_id[:80]}`.{hint}")


def _single_id(args: str) -> bool:
    parts = args.split()
    return len(parts) == 1 and ID_PATTERN.fullmatch(parts[0].lower()) is not None


async def factcheck(ctx: CommandContext, args: Args) -> list[Reply]:
    """Fact-check the given text, answering with the best match or the closest candidates."""
    text = args.text("text")
    if not text:
        return [error("Give me the text to check, e.g. `factcheck NATO promised not to expand`.")]
    return [
        await answer(
            ctx.snapshot,
            text[:MAX_COMMAND_CHARS],
            origin=ctx.origin,
            log=ctx.stores.replies,
            metrics=ctx.metrics,
            hidden=await ctx.stores.hidden_claims(ctx.origin),
        )
    ]


def claim_reply(stored: StoredClaim) -> Reply:
    """A claim shown on request, with all its evidence and the version an edit must name."""
    claim = stored.claim
    whose = ", this community's own claim, not the shared catalogue's" if stored.community else ""
    return Reply(
        kind=ReplyKind.CLAIM,
        text=f"Claim `{claim.id}` (v{stored.version}{whose}): {claim.verdict.label}",
        claim=claim,
        actions=(ReplyAction.SHOW_ALL_EVIDENCE,),
        community_claim=stored.community is not None,
    )


async def claim_show(ctx: CommandContext, args: Args) -> list[Reply]:
    """Show one claim by id, retired ones included."""
    claim_id = args.text("id").lower()
    if not claim_id:
        return [error("Which claim? Use `claim show ID`; `claim search WORDS` finds ids.")]
    stored = ctx.snapshot.claims.get(claim_id)
    if stored is None:
        return [unknown_claim(ctx.snapshot, claim_id)]
    return [claim_reply(stored)]


async def claim_search(ctx: CommandContext, args: Args) -> list[Reply]:
    """List the claims that best match some words, with their ids."""
    query = args.text("words")
    if not query:
        return [error("Search for what? Use `claim search WORDS`, e.g. `claim search Baker one inch`.")]
    hidden = await ctx.stores.hidden_claims(ctx.origin)
    ranked = await off_loop(ctx.snapshot.matcher.rank, query[:MAX_COMMAND_CHARS], MAX_SEARCH_RESULTS, exclude=hidden)
    # Someone typing part of an id wants that claim first; then the claims whose wording matches best.
    id_hits = [
        (stored.claim, 1.0)
        for claim_id, stored in sorted(ctx.snapshot.claims.items())
        if query.lower() in claim_id and claim_id not in hidden
    ]
    shown = {claim.id for claim, _ in id_hits}
    by_text = [
        (ctx.snapshot.claims[c.claim_id].claim, c.score) for c in ranked if c.score > 0 and c.claim_id not in shown
    ]
    results = tuple((id_hits + by_text)[:MAX_SEARCH_RESULTS])
    if not results:
        return [info(f"No claim matches \u201c{query[:200]}\u201d.")]
    return [
        Reply(
            kind=ReplyKind.SEARCH_RESULTS,
            text=f"Claims matching \u201c{query[:200]}\u201d:",
            candidates=results,
            ephemeral=True,
        )
    ]


AUTHORITY_MARKERS = {
    Authority.MEMBER: "",
    Authority.COMMUNITY_MODERATOR: " (moderators)",
    Authority.EDITOR: " (catalogue editors)",
}


async def help_command(ctx: CommandContext, args: Args) -> list[Reply]:
    """List the commands this person may use."""
    lines = ["Commands:"]
    for spec in ctx.registry.specs():
        marker = AUTHORITY_MARKERS[spec.authority]
        lines.append(f"  {spec.usage}{marker}: {spec.help}")
    lines.append("Mention me with a claim, or in a reply to a message, to fact-check it.")
    return [info("\n".join(lines))]


def basic_registry() -> CommandRegistry:
    """The commands anyone may use."""
    registry = CommandRegistry()
    registry.add(
        CommandSpec(
            "factcheck",
            "fact-check a statement",
            factcheck,
            (Param("text", Kind.TEXT, "The statement to check", False, max_length=MAX_COMMAND_CHARS, label="TEXT"),),
            aliases=("check", "fact-check"),
        )
    )
    registry.add(
        CommandSpec(
            "claim show",
            "show a claim with all its evidence",
            claim_show,
            (Param("id", Kind.WORD, "The claim's id", max_length=200, label="ID"),),
            aliases=("factcheck show", "show"),
            accepts=_single_id,
        )
    )
    registry.add(
        CommandSpec(
            "claim search",
            "find claims and their ids",
            claim_search,
            (Param("words", Kind.TEXT, "Words of the claim", max_length=MAX_COMMAND_CHARS),),
            aliases=("factcheck search", "search"),
        )
    )
    registry.add(
        CommandSpec(
            "help",
            "list the commands",
            help_command,
            aliases=("factcheck help",),
        )
    )
    return registry
