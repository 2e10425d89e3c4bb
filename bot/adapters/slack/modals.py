"""Slack modals built from the core's form descriptions, and the values read back from a submission."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.adapters.slack import translate
from bot.adapters.slack.mrkdwn import fit
from bot.adapters.slack.render import Block, context, section
from bot.core.commands import info
from bot.core.dispatcher import Dispatcher
from bot.core.forms import FormSpec
from bot.core.parsing import CommandError, parse_target
from bot.domain.models import Actor, Origin, Reply, ReplyKind, Stance
from bot.domain.textcut import grapheme_cut

CALLBACK_ID = "factbot:form"
# Slack's modal limits: a 24-character title, 3,000 characters of metadata and per text input.
MAX_TITLE = 24
MAX_INPUT = 3000
MAX_METADATA = 3000
MAX_ERROR = 300
_FIELD_IN_ERROR = re.compile(r"^([a-z_]+(?:\.[a-z_]+)?)\s*:")


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def title(text: str) -> str:
    """A modal title within 24 characters, cut between words."""
    if len(text) <= MAX_TITLE:
        return text
    cut = text[: MAX_TITLE - 1].rsplit(" ", 1)[0]
    return cut[: grapheme_cut(cut, MAX_TITLE - 1)] + "\u2026"


def block_id(field: str) -> str:
    """The block id of a form field's input."""
    return f"field:{field}"


@dataclass(frozen=True, slots=True)
class FormState:
    """What a modal carries between opening and submission; only ids, re-validated by the core on submit."""

    form: str
    channel: str
    context: Mapping[str, str]

    def encode(self) -> str:
        """As Slack's private_metadata."""
        return json.dumps({"form": self.form, "channel": self.channel, "context": dict(self.context)})[:MAX_METADATA]

    @classmethod
    def decode(cls, metadata: str) -> FormState | None:
        """Read private_metadata back; None if it is not factbot's."""
        try:
            data = json.loads(metadata or "{}")
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("form"), str):
            return None
        channel = data.get("channel")
        values = data.get("context")
        return cls(
            form=data["form"],
            channel=channel if isinstance(channel, str) and translate.is_slack_id(channel) else "",
            context={str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {},
        )


def form_view(spec: FormSpec, state: FormState, initial: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A modal with one text input per form field; the context values are shown, not editable."""
    initial = initial or {}
    blocks: list[Block] = []
    if state.context:
        shown = " \u00b7 ".join(f"{fit(k, 20)}: `{fit(v, 80)}`" for k, v in state.context.items())
        blocks.append(context(shown))
    for field in spec.fields:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": field.multiline,
            "max_length": min(field.max_length, MAX_INPUT),
        }
        if field.placeholder:
            element["placeholder"] = _plain(field.placeholder[:150])
        value = initial.get(field.name)
        if value:
            element["initial_value"] = value[: min(field.max_length, MAX_INPUT)]
        blocks.append(
            {
                "type": "input",
                "block_id": block_id(field.name),
                "optional": not field.required,
                "label": _plain(field.label[:2000]),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain(title(spec.title)),
        "submit": _plain("Save" if spec.name != "report" else "Send"),
        "close": _plain("Cancel"),
        "private_metadata": state.encode(),
        "blocks": blocks,
    }


def submitted_values(spec: FormSpec, view: Mapping[str, Any]) -> dict[str, str]:
    """The text of each field the form declares (anything else in the submission is ignored)."""
    values = (view.get("state") or {}).get("values") or {}
    found: dict[str, str] = {}
    for field in spec.fields:
        entry = (values.get(block_id(field.name)) or {}).get("value") or {}
        found[field.name] = str(entry.get("value") or "")
    return found


def field_errors(spec: FormSpec, replies: Sequence[Reply]) -> dict[str, str] | None:
    """Errors to show inside the modal, under the field the core named (else the first field); None if saved."""
    errors = [r.text for r in replies if r.kind is ReplyKind.ERROR]
    if not errors or not spec.fields:
        return None
    text = errors[0]
    names = [f.name for f in spec.fields]
    named = _FIELD_IN_ERROR.match(text)
    # "verdict: ...", or "evidence.url: ..." (the evidence block in one form, the url field in another).
    parts = named.group(1).split(".") if named else []
    target = next((p for p in (parts[:1] + parts[-1:]) if p in names), names[0])
    return {block_id(target): text[:MAX_ERROR]}


def result_view(spec: FormSpec, replies: Sequence[Reply]) -> dict[str, Any]:
    """What the modal shows once the core has answered: its replies as text, and a Done button."""
    blocks = [section(fit(r.text, 2900)) for r in replies[:10]] or [section("Done.")]
    return {"type": "modal", "title": _plain(title(spec.title)), "close": _plain("Done"), "blocks": blocks}


@dataclass(frozen=True, slots=True)
class OpenForm:
    """A command line that should open a modal: the form, its context values and any prefilled fields."""

    spec: FormSpec
    context: Mapping[str, str]
    initial: Mapping[str, str]


async def form_request(dispatcher: Dispatcher, actor: Actor, origin: Origin, line: str) -> OpenForm | Reply | None:
    """The modal a command line asks for (`claim add`, `claim edit ID`, `evidence add ID STANCE`, `report`, ...).

    None means "run the line as a typed command": the core then answers, refusing non-moderators (and
    auditing it), naming unknown ids and showing usage; so a modal is only opened when it can be saved.
    """
    resolved = dispatcher.registry.resolve(line)
    if resolved is None or resolved[0].form is None:
        return None
    command, args = resolved
    spec = command.form
    if spec is None or not dispatcher.may_run(command.name, actor, origin):
        return None
    words = args.split()
    if not spec.context:
        return OpenForm(spec, {}, {}) if not words else None
    wants_stance = "stance" in spec.context
    if "|" in args or not words or len(words) > (2 if wants_stance else 1):
        return None
    try:
        claim_id, version = parse_target(words[0])
    except CommandError:
        return None
    if wants_stance and (len(words) != 2 or words[1].lower() not in set(Stance)):
        stances = "|".join(Stance)
        return info(f"To add evidence in a form, name its stance: `{command.name} {claim_id} {stances}`.")
    stored = (await dispatcher.catalogue.current()).claims.get(claim_id)
    if stored is None:
        return None
    values = {"id": claim_id, "version": str(version or stored.version)}
    if wants_stance:
        values["stance"] = words[1].lower()
    context = {name: values[name] for name in spec.context if name in values}
    # Prefill what the claim already says (claim, verdict, summary; the claim's language for an alias).
    initial = {f.name: str(v) for f in spec.fields if isinstance(v := getattr(stored.claim, f.name, None), str)}
    return OpenForm(spec, context, initial)
