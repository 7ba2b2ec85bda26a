"""Reading the files of a scan, bounded and confined: the one way the model opens a file.

A cloud assembly is input, and input can be crafted: a ``manifest.json`` that is a FIFO blocks
forever, a template that is a link to ``/dev/zero`` reads until memory runs out, an asset path
of ``/etc`` or ``../../home`` makes the tool read (and report on) any file of the machine. So
every file is checked before it is opened: a regular file (after following links), inside the
folder it must belong to, no larger than its cap; and it is opened without blocking. Anything
else is an ``InputError`` that names the file and what is expected, never its content.

Parsed documents are checked too (``check_shape``): nesting deeper than ``MAX_DEPTH`` or more
than ``MAX_NODES`` values once YAML aliases are expanded is an error, so that no walk of the
model, the rules or the writers can hit Python's recursion limit or run for ever.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guardrails import inputs
from guardrails.errors import InputError
from guardrails.inputs import MIB

#: a template: CloudFormation accepts 1 MB; CDK and SAM templates are far below this
MAX_TEMPLATE_BYTES = 16 * MIB
#: a YAML template (PyYAML reads about 1 MiB/s, libyaml about 1 MiB/s with construction)
MAX_YAML_TEMPLATE_BYTES = 4 * MIB
#: ``manifest.json``, ``*.assets.json``, ``*.metadata.json`` and the like
MAX_METADATA_BYTES = 16 * MIB
#: every template and metadata file of one scan together (code assets have their own limits):
#: about 12,000 functions as CDK writes them, checked in about 25 s within 1 GiB of memory
MAX_SCAN_BYTES = 24 * MIB
#: nesting of objects and lists in one document; real templates stay below 30
MAX_DEPTH = 100
#: values in one document once YAML aliases are expanded (a 16 MiB template holds ~1 million)
MAX_NODES = 2_000_000
#: characters of text in one document once YAML aliases are expanded (one large aliased
#: value repeated thousands of times would otherwise be scanned thousands of times)
MAX_EXPANDED_TEXT = 32 * MIB


@dataclass
class ReadBudget:
    """What one scan may still read, shared by every file it opens."""

    remaining: int = MAX_SCAN_BYTES

    def take(self, n: int, path: Path) -> None:
        self.remaining -= n
        if self.remaining < 0:
            raise InputError(
                f"{path}: the scan read more than {MAX_SCAN_BYTES // MIB} MiB of templates and "
                "metadata; scan the stacks in smaller groups"
            )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, then back as it was (usable as a
    decorator too).

    Reading a template and scanning it build objects that live until the scan ends: the parsed
    document, then a hundred or so per function (the graph, the findings). Each full
    collection walks every one of them, and the larger the template, the more full
    collections run: that made the cost per function grow with the template. Neither makes
    reference cycles (the graph breaks its one once built), so reference counting still frees
    everything they drop; the collector runs when the block ends, as it would have."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` resolves (links followed) to ``root`` or a place below it."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte
        return False


def confined(root: Path, relative: Any, what: str, entry: str) -> Path:
    """``root / relative`` for a path an assembly names (``entry``: the file and key that
    names it), after checking that it is a relative path that stays inside ``root`` once
    links are followed."""
    if not isinstance(relative, str) or not relative or "\0" in relative:
        raise InputError(f"{entry}: expected the relative path of the {what}; fix the assembly")
    candidate = Path(relative)
    if candidate.is_absolute() or not inside(root / candidate, root):
        raise InputError(
            f"{entry}: the {what} lies outside the cloud assembly folder {root}; "
            "only files inside the assembly are read (synthesize again, or stage the asset)"
        )
    return root / candidate


def read_text(path: Path, what: str, limit: int, budget: ReadBudget | None = None) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes (``guardrails.inputs``),
    counted against the scan's ``budget``."""
    text = inputs.read_text(path, what, limit, InputError)
    if budget is not None:
        budget.take(len(text), path)
    return text


def check_shape(
    doc: Any,
    source: str,
    *,
    shared: bool = True,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> None:
    """Raise ``InputError`` when ``doc`` nests deeper than ``max_depth``, refers to itself, or
    holds more than ``max_nodes`` values with shared (aliased) parts counted every time they
    appear. Linear in the distinct values: a "billion laughs" YAML document is measured
    without being expanded. ``shared=False`` (a JSON document, which cannot share values)
    checks the depth alone, on the fast path."""
    if not isinstance(doc, (dict, list)) or (not shared and shallow(doc, max_depth)):
        return
    _measure(doc, source, max_depth, max_nodes)


def shallow(doc: Any, max_depth: int = MAX_DEPTH) -> bool:
    """Whether a parsed JSON value nests at most ``max_depth`` levels."""
    return not isinstance(doc, (dict, list)) or _shallow(doc, 1, max_depth)


def _shallow(node: Any, depth: int, max_depth: int) -> bool:
    """Whether a tree (``node`` at ``depth``) nests at most ``max_depth`` levels. Level by
    level, without recursion: one loop over the containers of each level (a function call
    per container cost a template of 1,000 functions 15 ms)."""
    level = [node]
    while level:
        if depth > max_depth:
            return False
        below = []
        for container in level:
            for child in container.values() if type(container) is dict else container:
                kind = type(child)
                if kind is dict or kind is list:
                    below.append(child)
        level = below
        depth += 1
    return True


def _measure(doc: Any, source: str, max_depth: int, max_nodes: int) -> None:
    #: id of a finished container -> (values, characters of text) in it, aliases expanded
    sizes: dict[int, tuple[int, int]] = {}
    active: set[int] = set()  # containers on the current path (a cycle revisits one)
    path: list[str] = []
    # (value, depth, key) to enter; (container, -1, "") to finish after its children
    todo: list[tuple[Any, int, str]] = [(doc, 1, "")]
    while todo:
        node, depth, key = todo.pop()
        if depth < 0:
            ident = id(node)
            active.discard(ident)
            total, chars = 1, 0
            for child in node.values() if isinstance(node, dict) else node:
                if isinstance(child, (dict, list)):
                    n, c = sizes[id(child)]
                    total, chars = total + n, chars + c
                else:
                    total, chars = total + 1, chars + (len(child) if isinstance(child, str) else 0)
            if total > max_nodes or chars > MAX_EXPANDED_TEXT:
                raise InputError(
                    f"{source}: the document holds more than {max_nodes:,} values or "
                    f"{MAX_EXPANDED_TEXT // MIB} MiB of text once YAML aliases are expanded; "
                    "expand or simplify it"
                )
            sizes[ident] = (total, chars)
            continue
        ident = id(node)
        # the keys from the root to this value: its ancestors' keys are already in place
        del path[max(depth - 2, 0) :]
        if depth > 1:
            path.append(key)
        if ident in active:
            raise InputError(f"{source}: {'/'.join(path)}: a YAML alias refers to itself")
        if ident in sizes:  # an alias of a container measured already
            continue
        if depth > max_depth:
            where = "/".join(path[:8]) + ("/..." if len(path) > 8 else "")
            raise InputError(
                f"{source}: {where}: nested more than {max_depth} levels deep; "
                "a CloudFormation template never needs this"
            )
        active.add(ident)
        todo.append((node, -1, ""))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in items:
            if isinstance(v, (dict, list)):
                todo.append((v, depth + 1, _segment(k)))


def _segment(key: Any) -> str:
    text = str(key) if isinstance(key, (str, int)) else "?"
    return text if len(text) <= 64 else text[:61] + "..."
