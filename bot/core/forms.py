"""Forms (Discord and Slack modals) described once in the core, so adapters can build them generically."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalogue.schema import MAX_BRIEF, MAX_CLAIM, MAX_EXCERPT, MAX_ID, MAX_SOURCE, MAX_SUMMARY, MAX_TITLE, VERDICTS


@dataclass(frozen=True, slots=True)
class FormField:
    """One text input of a form."""

    name: str
    label: str
    required: bool = True
    multiline: bool = False
    max_length: int = 4000
    placeholder: str = ""


@dataclass(frozen=True, slots=True)
class FormSpec:
    """A form: its command name, title and fields (at most five, the most a Discord modal holds)."""

    name: str
    title: str
    fields: tuple[FormField, ...]
    # Values the adapter supplies itself (from the command that opened the form), not text inputs.
    context: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.fields) > 5:
            raise ValueError(f"form {self.name!r} has {len(self.fields)} fields; a Discord modal holds 5")


EVIDENCE_BLOCK_HELP = "title: ...\ndate: 1990-02-09\nsource: ...\nurl: https://...\nstance: supports\nexcerpt: ..."

CLAIM_ADD = FormSpec(
    "claim add",
    "Add a claim",
    (
        FormField("id", "Id (lowercase-with-hyphens)", max_length=MAX_ID, placeholder="nato-promised-no-expansion"),
        FormField("claim", "Claim, as people assert it", multiline=True, max_length=MAX_CLAIM),
        FormField("verdict", "Verdict", max_length=20, placeholder=", ".join(VERDICTS)),
        FormField("summary", "Summary (neutral, our own words)", multiline=True, max_length=MAX_SUMMARY),
        FormField(
            "evidence",
            "First evidence (one field per line)",
            multiline=True,
            max_length=4000,
            placeholder=EVIDENCE_BLOCK_HELP,
        ),
    ),
)

CLAIM_EDIT = FormSpec(
    "claim edit",
    "Edit a claim",
    (
        FormField("claim", "Claim, as people assert it", multiline=True, max_length=MAX_CLAIM),
        FormField("verdict", "Verdict", max_length=20, placeholder=", ".join(VERDICTS)),
        FormField("summary", "Summary (neutral, our own words)", multiline=True, max_length=MAX_SUMMARY),
        FormField(
            "brief",
            "Brief for chat replies (both sides, neutral)",
            required=False,
            multiline=True,
            max_length=MAX_BRIEF,
        ),
    ),
    context=("id", "version"),
)

EVIDENCE_ADD = FormSpec(
    "evidence add",
    "Add evidence",
    (
        FormField("title", "Document title", max_length=MAX_TITLE),
        FormField("date", "Date (YYYY, YYYY-MM or YYYY-MM-DD)", max_length=10),
        FormField("source", "Source (archive, collection)", max_length=MAX_SOURCE),
        FormField("url", "Link to the primary archive page (https)", max_length=2000),
        FormField("excerpt", "Excerpt, quoted word for word", multiline=True, max_length=MAX_EXCERPT),
    ),
    context=("id", "version", "stance"),
)

ALIAS_ADD = FormSpec(
    "alias add",
    "Add an alias",
    (
        FormField("text", "How people say it", multiline=True, max_length=MAX_CLAIM),
        FormField("lang", "Language code (en, es, de, fr, ru, ...)", required=False, max_length=3, placeholder="en"),
    ),
    context=("id", "version"),
)

REPORT = FormSpec(
    "report",
    "Report a message for fact-checking",
    (
        FormField("text", "The message", multiline=True, max_length=4000),
        FormField("reason", "Why it should be checked (optional)", required=False, multiline=True, max_length=500),
    ),
)
