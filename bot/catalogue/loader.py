"""Read `claims/` YAML files into validated claims, reporting each problem with file, line and field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.catalogue.schema import FieldProblem, InvalidClaim, parse_claim
from bot.domain.models import Claim

MAX_FILE_BYTES = 5_000_000
# A claim is a mapping of lists of mappings: four levels. A list of claims adds one.
MAX_DEPTH = 12
_INDEX = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a catalogue file, printed as `file:line: field: message`."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class CatalogueError(Exception):
    """A catalogue could not be loaded; `problems` lists everything wrong with it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class LoadedClaim:
    """A claim with the file it came from, so later checks can point back at it."""

    claim: Claim
    file: str
    line: int | None
    field_lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def line_of(self, path: str) -> int | None:
        """The line of a field such as `aliases[2]`, or of the claim itself."""
        return self.field_lines.get(path, self.line)


class _LineMap:
    """Remembers the line of every field path in a YAML document, for error messages."""

    def __init__(self, root: yaml.Node) -> None:
        self.lines: dict[str, int] = {}
        self._walk(root, "")

    def _walk(self, node: yaml.Node, path: str) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, child in node.value:
                name = str(key.value)
                child_path = f"{path}.{name}" if path else name
                self.lines[child_path] = key.start_mark.line + 1
                self._walk(child, child_path)
                self.lines[child_path] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, child in enumerate(node.value):
                self._walk(child, f"{path}[{index}]")

    def line(self, path: str) -> int | None:
        """The line of the deepest known prefix of `path`."""
        while path and path not in self.lines:
            path = path[: path.rindex("[")] if path.endswith("]") else path.rpartition(".")[0]
        return self.lines.get(path)


def _duplicate_keys(node: yaml.Node, path: str = "") -> Iterable[tuple[str, int]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, child in node.value:
            name = str(key.value)
            child_path = f"{path}.{name}" if path else name
            if name in seen:
                yield child_path, key.start_mark.line + 1
            seen.add(name)
            yield from _duplicate_keys(child, child_path)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            yield from _duplicate_keys(child, f"{path}[{index}]")


class _CatalogueLoader(yaml.CSafeLoader):
    """The C loader, with dates left as text so that the schema checks them (a bad date names its field)."""


def _date_as_text(loader: _CatalogueLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_CatalogueLoader.add_constructor("tag:yaml.org,2002:timestamp", _date_as_text)


def _shape_problems(root: yaml.Node, file: str) -> list[Problem]:
    """Refuse aliases and deep nesting before anything walks or builds the document.

    A few bytes of aliases expand to gigabytes once constructed, and a catalogue file needs none. The C parser
    composes an alias as a second reference to the anchored node (no expansion), so one pass that meets a node
    twice finds it; libyaml itself stops at 1,000 levels, and this pass at MAX_DEPTH, before any recursion.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        line = node.start_mark.line + 1
        if id(node) in seen:
            return [Problem(file, line, "", "anchors and aliases (&name, *name) are not allowed in catalogue files")]
        seen.add(id(node))
        if isinstance(node, yaml.CollectionNode):
            if depth > MAX_DEPTH:
                return [Problem(file, line, "", f"is nested more than {MAX_DEPTH} levels deep")]
            children = [v for pair in node.value for v in pair] if isinstance(node, yaml.MappingNode) else node.value
            stack.extend((child, depth + 1) for child in children)
    return []


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _build(loader: _CatalogueLoader, node: yaml.Node) -> object:
    """Plain data from a checked node tree: text, mappings and lists directly, other scalars by PyYAML's rules.

    Several times faster than PyYAML's generic constructor on a large catalogue; depth is already bounded.
    """
    if isinstance(node, yaml.ScalarNode) and node.tag == _STR:
        return node.value
    if (
        isinstance(node, yaml.MappingNode)
        and node.tag == _MAP
        and not any(k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value)
    ):
        mapping: dict[object, object] = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node)
            try:
                mapping[key] = _build(loader, value_node)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark
                ) from None
        return mapping
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        return [_build(loader, child) for child in node.value]
    return loader.construct_object(node, deep=True)


def _parse_document(text: str, file: str) -> tuple[object, yaml.Node | None, list[Problem]]:
    try:
        loader = _CatalogueLoader(text)
        try:
            node = loader.get_single_node()
            shape = _shape_problems(node, file) if node is not None else []
            if shape:
                return None, None, shape
            data = _build(loader, node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, None, [Problem(file, line, "", f"not valid YAML: {exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return None, None, [Problem(file, None, "", f"not valid YAML: {exc}")]
    problems = (
        [Problem(file, line, field, "appears twice in the same mapping") for field, line in _duplicate_keys(node)]
        if node is not None
        else []
    )
    return data, node, problems


def parse_yaml(text: str, name: str) -> tuple[object, list[Problem]]:
    """Any YAML the catalogue accepts (no anchors, bounded depth, dates as text), or the problems with it."""
    data, _, problems = _parse_document(text, name)
    return data, problems


def load_text(text: str, file: str) -> tuple[list[LoadedClaim], list[Problem]]:
    """Parse one file's text: a single claim mapping or a list of them (for bulk imports)."""
    data, node, problems = _parse_document(text, file)
    if node is None:
        return [], problems or [Problem(file, None, "", "the file is empty")]
    entries: list[tuple[object, yaml.Node, str]]
    if isinstance(data, list) and isinstance(node, yaml.SequenceNode):
        entries = [
            (item, item_node, f"[{i}]") for i, (item, item_node) in enumerate(zip(data, node.value, strict=True))
        ]
        if not entries:
            problems.append(Problem(file, node.start_mark.line + 1, "", "the list of claims is empty"))
    else:
        entries = [(data, node, "")]
    claims: list[LoadedClaim] = []
    for item, item_node, prefix in entries:
        lines = _LineMap(item_node)  # each claim's own fields, so a list of claims is read in linear time
        try:
            claim = parse_claim(item)
        except InvalidClaim as exc:
            problems.extend(_locate(p, prefix, file, lines) for p in exc.problems)
            continue
        claims.append(LoadedClaim(claim, file, item_node.start_mark.line + 1 if prefix else 1, lines.lines))
    return claims, problems


def _locate(problem: FieldProblem, prefix: str, file: str, lines: _LineMap) -> Problem:
    field = f"{prefix} {problem.path}".strip() if prefix else problem.path
    return Problem(file, lines.line(problem.path), field, problem.message)


def load_file(path: Path, *, display: str | None = None) -> tuple[list[LoadedClaim], list[Problem]]:
    """Load and validate one catalogue file."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [], [Problem(name, None, "", f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")]
        raw = path.read_bytes()
    except OSError as exc:
        return [], [Problem(name, None, "", f"cannot be read: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], [Problem(name, None, "", f"is not UTF-8 text (byte {exc.start})")]
    claims, problems = load_text(text, name)
    stem = path.stem
    single = len(claims) == 1 and not problems and not text.lstrip().startswith("-")
    if single and claims[0].claim.id != stem:
        problems.append(
            Problem(
                name,
                _id_line(text),
                "id",
                f"{claims[0].claim.id!r} does not match the file name; name the file {claims[0].claim.id}.yaml",
            )
        )
    return claims, problems


def _id_line(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("id:"):
            return number
    return None


def catalogue_files(directory: Path) -> list[Path]:
    """The YAML files of a catalogue directory, in a stable order."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in {".yaml", ".yml"})


def check_references(loaded: Sequence[LoadedClaim]) -> list[Problem]:
    """Catalogue-wide rules: unique ids and `related` ids that exist."""
    problems: list[Problem] = []
    first_seen: dict[str, LoadedClaim] = {}
    for entry in loaded:
        previous = first_seen.get(entry.claim.id)
        if previous:
            problems.append(
                Problem(
                    entry.file,
                    entry.line,
                    "id",
                    f"duplicate id {entry.claim.id!r}; first defined in {previous.file}:{previous.line}",
                )
            )
        else:
            first_seen[entry.claim.id] = entry
    for entry in loaded:
        for ref in entry.claim.related:
            if ref not in first_seen:
                problems.append(Problem(entry.file, entry.line, "related", f"unknown claim id {ref!r}"))
    return problems


def missing_required(loaded: Sequence[LoadedClaim], required: Path) -> list[Problem]:
    """The ids a required-claims list (YAML: a list of mappings with `id`) names that the catalogue lacks."""
    try:
        data, problems = parse_yaml(required.read_text(encoding="utf-8"), str(required))
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(str(required), None, "", f"cannot be read as a list of required claims: {exc}")]
    if problems:
        return problems
    if not isinstance(data, list) or not all(isinstance(item, dict) and "id" in item for item in data):
        return [Problem(str(required), None, "", "must be a YAML list of mappings, each with an `id`")]
    present = {entry.claim.id for entry in loaded}
    return [
        Problem(str(required), None, "id", f"required claim {item['id']!r} is not in the catalogue")
        for item in data
        if str(item["id"]) not in present
    ]


def load_directory(directory: Path) -> list[LoadedClaim]:
    """Load a whole catalogue directory, or raise CatalogueError listing every problem in it."""
    if not directory.is_dir():
        raise CatalogueError([Problem(str(directory), None, "", "is not a directory")])
    loaded: list[LoadedClaim] = []
    problems: list[Problem] = []
    files = catalogue_files(directory)
    if not files:
        problems.append(Problem(str(directory), None, "", "holds no .yaml files"))
    for path in files:
        claims, file_problems = load_file(path)
        loaded.extend(claims)
        problems.extend(file_problems)
    problems.extend(check_references(loaded))
    if problems:
        raise CatalogueError(problems)
    return loaded


def load_claims(directory: Path) -> list[Claim]:
    """The claims of a catalogue directory, validated."""
    return [entry.claim for entry in load_directory(directory)]
