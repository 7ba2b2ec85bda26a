"""``docs/rules.md``: the rule documentation, generated from the rules' own metadata.

The same metadata feeds ``guardrails rules`` and ``guardrails explain``; a test keeps the
committed file in sync (regenerate with ``make docs``).

The "What it flags" text is the rule function's docstring, written for maintainers: besides
the CloudFormation and CDK names a user needs (``TracingConfig.Mode``, ``Code.ZipFile``,
``lambda_.Tracing.ACTIVE``) it may name the package's own internals (``ExecutionRole.functions``,
``credentials.find_in_text``, ``guardrails/data/...``). ``plain`` takes those out at render
time, so the docstrings stay as they are and users read only what they can act on.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from types import ModuleType
from urllib.parse import urljoin

from guardrails.policy import DEFAULT_FRAMEWORK_RULES
from guardrails.rules import Rule
from guardrails.rules.base import CONCERNS

#: the project's repository (SARIF ``informationUri``)
REPOSITORY_URL = "https://github.com/lambda-guardrails/lambda-guardrails"
#: what a rule's ``source_url`` (``docs/rules.md#gr-iam-05``) is relative to
DOCS_BASE_URL = f"{REPOSITORY_URL}/blob/main/"

_REMEDIATION = {
    "-": "none (fix it in the code)",
    "safe": "safe (applied by the hardening Aspect in remediate mode)",
    "opt-in": "opt-in (applied by the hardening Aspect when the policy asks for it)",
}

#: rules whose findings do not all have the rule's default severity: rule id -> when it is
#: another (the ``severity=`` their checks give some ``Violation``s; a test keeps this in sync
#: with the checks' source)
SEVERITY_NOTES: Mapping[str, str] = {
    "GR-IAM-05": (
        "info for an action the IAM action catalog does not know (a misspelling, or an action "
        "newer than the catalog), whatever the resource"
    ),
    "GR-DEP-01": (
        "critical once Lambda blocks creating functions on the runtime, high once it is "
        "deprecated, medium when its deprecation is at most the policy's runtime_warning_days "
        "away (default 180)"
    ),
    "GR-DEP-02": "high when the policy sets require_code_signing",
    "GR-IAM-15": "low when every action granted and never called is read-only (Read or List)",
}
#: the framework part of a rule's note (rules of the default ``framework.rules``)
FRAMEWORK_NOTE = "info on functions the CDK framework creates (the policy's framework.severity)"
#: what holds for every rule, said once
SEVERITY_POLICY_NOTE = (
    "The severity shown is each rule's default. A policy's rules: {<ID>: {severity: ...}} sets "
    "another for every finding of the rule. On functions the CDK framework creates (log "
    "retention, custom resource providers), the rules in the policy's framework.rules report "
    "at its framework.severity instead (default info)"
)


def render(rules: Iterable[Rule]) -> str:
    rules = list(rules)
    lines = [
        "# lambda-guardrails rules",
        "",
        "Generated from the rules' metadata by `guardrails rules --format markdown` "
        "(`make docs`); do not edit by hand. `guardrails explain <ID>` prints the same text.",
        "",
        "Messages name resources by logical id and construct path, and quote a value from the "
        "template only when it has the shape its property allows (an enum, an IAM action, an "
        "ARN, an account or Availability Zone id...); anything else is described, not quoted, "
        "since a credential can be pasted into any field. Credentials found are masked. What a "
        "rule could not check (an unreadable or partly read code asset) is an error of the "
        "report, which fails the scan.",
        "",
        f"{_markdown_keys(SEVERITY_POLICY_NOTE)}; by default these are "
        f"{', '.join(framework_rules(rules)) or 'none'}.",
        "",
        "| ID | Severity | Fix | Title |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| [{r.id}](#{r.id.lower()}) | {r.severity} | {r.remediation} | {_cell(r.title)} |"
        for r in rules
    ]
    concern = None
    for r in rules:
        if r.concern != concern:
            concern = r.concern
            code = r.id.split("-")[1]
            lines += ["", f"## GR-{code}: {CONCERNS[code]}"]
        lines += _rule(r)
    return "\n".join(lines).rstrip() + "\n"


def _rule(r: Rule) -> list[str]:
    note = severity_note(r.id)
    lines = [
        "",
        f"### {r.id}",
        "",
        f"**{r.title}** - severity `{r.severity}`; automatic fix: "
        f"{_REMEDIATION.get(r.remediation, r.remediation)}.",
    ]
    if note:
        lines += ["", f"*Other severities.* {_markdown_keys(note)}."]
    lines += [
        "",
        f"*Why it matters.* {' '.join(r.rationale.split())}",
        "",
        "*What it flags.*",
        "",
        *what_it_flags(r).splitlines(),
        "",
        f"*How to fix.* {' '.join(r.fix.split())}",
    ]
    if r.example:
        lines += ["", "```python", *r.example.splitlines(), "```"]
    if r.references:
        refs = "; ".join(f"{name}: `{ref}`" for name, ref in r.references.items())
        lines += ["", f"*Equivalent controls.* {refs}"]
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _markdown_keys(text: str) -> str:
    """Policy keys of a severity note as code in markdown."""
    return re.sub(
        r"rules: \{<ID>: \{severity: \.\.\.\}\}|\b(?:runtime_warning_days|"
        r"require_code_signing|framework\.(?:severity|rules))\b",
        lambda m: f"`{m.group(0)}`",
        text,
    )


# -- links and severity notes ------------------------------------------------------------------
def help_uri(rule: Rule) -> str | None:
    """The rule's documentation as an absolute URL (SARIF ``helpUri``, ``guardrails explain``):
    ``source_url`` is relative to the repository (``docs/rules.md#gr-iam-05``) unless it is
    absolute already; ``None`` for a rule without one."""
    return urljoin(DOCS_BASE_URL, rule.source_url) if rule.source_url else None


def framework_rules(rules: Iterable[Rule]) -> list[str]:
    """The ids among ``rules`` that the default policy reports at info on framework-owned
    functions (``framework.rules``), in the order given."""
    return [r.id for r in rules if r.id in DEFAULT_FRAMEWORK_RULES]


def severity_note(rule_id: str, *, framework: bool = True) -> str:
    """When the rule reports at a severity other than its default ("" when never, apart from
    the policy's overrides): the rule's own cases, then (``framework``) that of functions the
    CDK framework creates."""
    parts = [SEVERITY_NOTES.get(rule_id, "")]
    if framework and rule_id in DEFAULT_FRAMEWORK_RULES:
        parts.append(FRAMEWORK_NOTE)
    return "; ".join(p for p in parts if p)


# -- the docstring for users -------------------------------------------------------------------
def what_it_flags(rule: Rule) -> str:
    """The rule check's docstring as users read it (``plain``)."""
    return plain(inspect.getdoc(rule.check) or "")


#: the package parts whose modules rules' docstrings name (none of them imports ``aws_cdk``)
_NAMED_PACKAGES = ("guardrails.rules", "guardrails.model")
_NAMED_MODULES = ("guardrails.policy", "guardrails.errors", "guardrails.inputs")
#: plain words for internal references that a sentence cannot lose
_PHRASES = {
    "ctx.today": "the date of the scan (``guardrails scan --today``; the current date by default)",
}
#: the package's classes named like a CloudFormation or CDK type users meet (``Code.ZipFile``,
#: ``lambda_.Code.from_asset``): what follows them is the user's name, not an internal one
SHARED_CLASS_NAMES = frozenset(
    {
        "Alarm", "Code", "EventInvokeConfig", "EventSourceMapping", "FunctionUrl", "LogGroup",
        "ManagedPolicy", "Match", "Permission", "Policy", "Resource", "Schedule",
        "SecurityGroup", "Subnet", "Text", "VpcEndpoint",
    }
)  # fmt: skip
_DATA_FILE = "a list shipped with the package"
_CODE = "the package's code"
#: a path into the package (``guardrails/...``, ``rules/quoting.py``, ``model/``)
_PACKAGE_PATH = re.compile(r"^(?:guardrails[./]|(?:rules|model|report|cdk|constructs|data)/)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPAN = r"``(?P<ref>[^`]+?)``"
#: docstrings are wrapped at about this width
_WIDTH = 95


@dataclass(frozen=True)
class _Vocabulary:
    """The package's own names, read from its modules (so that a new class or constant is
    recognised without a list to maintain)."""

    #: short module name -> module
    modules: Mapping[str, ModuleType]
    #: class name -> its attributes (dataclass fields included)
    classes: Mapping[str, frozenset[str]]
    exceptions: frozenset[str]
    #: module-level ``ALL_CAPS_NAMES`` and ``snake_case_functions`` (with an underscore)
    constants: frozenset[str]
    functions: frozenset[str]
    #: policy keys (``Policy`` fields): user-facing, never taken out
    policy_keys: frozenset[str]
    #: what the rules call the function and the context (``fn.layers``, ``ctx.today``)
    subjects: Mapping[str, frozenset[str]]


@cache
def _vocabulary() -> _Vocabulary:
    from guardrails.model.function import LambdaFunction
    from guardrails.policy import Policy
    from guardrails.rules.base import RuleContext

    modules: dict[str, ModuleType] = {}
    for package_name in _NAMED_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            modules[info.name] = importlib.import_module(f"{package_name}.{info.name}")
    for name in _NAMED_MODULES:
        modules[name.rsplit(".", 1)[1]] = importlib.import_module(name)
    classes: dict[str, set[str]] = {}
    exceptions, constants, functions = set(), set(), set()
    for module in modules.values():
        for name, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == module.__name__:
                classes.setdefault(name, set()).update(_attributes(value))
                if issubclass(value, BaseException):
                    exceptions.add(name)
            elif "_" in name.strip("_") and not inspect.ismodule(value):
                if name.isupper():
                    constants.add(name)
                elif inspect.isfunction(value) and value.__module__ == module.__name__:
                    functions.add(name)
    return _Vocabulary(
        modules=modules,
        classes={name: frozenset(attrs) for name, attrs in classes.items()},
        exceptions=frozenset(exceptions),
        constants=frozenset(constants),
        functions=frozenset(functions),
        policy_keys=frozenset(_attributes(Policy)),
        subjects={
            "fn": frozenset(_attributes(LambdaFunction)),
            "ctx": frozenset(_attributes(RuleContext)),
        },
    )


def _attributes(cls: type) -> set[str]:
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    return fields | {name for name in dir(cls) if not name.startswith("__")}


@dataclass(frozen=True)
class _Ref:
    """What to do with a double-backtick reference: ``internal`` ones go (with their
    parentheses) or become ``words``; others are replaced by ``words`` when set."""

    internal: bool
    words: str = ""


def classify(ref: str, *, after_see: bool = False) -> _Ref | None:
    """How ``plain`` treats ``ref``, the text between a pair of double backticks: ``None`` keeps
    it (a CloudFormation or CDK name, a value, a policy key). ``after_see``: it follows "see",
    where a bare module name (``credentials``) is a pointer into the code, not a word."""
    v = _vocabulary()
    if ref in _PHRASES:
        return _Ref(True, _PHRASES[ref])
    if _PACKAGE_PATH.search(ref) or (ref.endswith(".py") and ref[:-3] in v.modules):
        return _Ref(True, _DATA_FILE if "/data/" in f"/{ref}" else _CODE)
    head, dot, rest = ref.partition(".")
    attr_match = _IDENTIFIER.match(rest) if dot else None
    attr = attr_match.group(0) if attr_match else ""
    if attr:
        if head == "policy" and attr in v.policy_keys:  # a policy key: keep it, say whose
            return _Ref(False, f"the policy's ``{rest}``")
        if attr in v.subjects.get(head, ()):
            return _Ref(True)
        # ``ExecutionRole.functions``, ``Token.x``; not ``Code.ZipFile``, nor CDK's
        # ``Code.from_asset`` (a class named like a CDK one: only its own attributes)
        if (
            head in v.classes
            and not attr[0].isupper()
            and (head not in SHARED_CLASS_NAMES or attr in v.classes[head])
        ):
            return _Ref(True)
        module = v.modules.get(head)
        if module is not None and not inspect.ismodule(getattr(module, attr, module)):
            return _Ref(True)  # ``credentials.find_in_text``
        return None
    if dot or not _IDENTIFIER.fullmatch(ref):
        return None
    if ref in v.exceptions:  # ``PolicyError``: a policy error, as the CLI reports it
        return _Ref(True, _words(ref))
    if ref in v.constants or (ref in v.functions and ref not in v.policy_keys):
        return _Ref(True)
    if after_see and ref in v.modules:
        return _Ref(True)
    return None


def plain(doc: str) -> str:
    """``doc`` (a rule check's docstring) without references to the package's internals: module
    paths (``guardrails/data/...``, ``rules/quoting.py``), attributes of its classes
    (``ExecutionRole.functions``, ``fn.layers``), its functions and constants
    (``credentials.find_in_text``, ``STAR_IN_PRACTICE``). A parenthesis holding only such a
    reference goes, "see <reference>" goes; elsewhere the reference becomes plain words.
    CloudFormation and CDK names (``TracingConfig.Mode``, ``Code.ZipFile``,
    ``lambda_.Tracing.ACTIVE``), values and policy keys stay. A paragraph or list item that
    changed is wrapped again; the others keep their lines."""
    return "\n".join(_blocks(doc, _plain_block))


def _plain_block(text: str) -> str:
    substitutions: list[tuple[str, Callable[[re.Match[str]], str]]] = [
        # "(``x``)", "(see ``x``)": the whole parenthesis
        (rf"\s*\((?P<see>see\s+)?{_SPAN}\)", lambda m: ""),
        # ", see ``x``)": the clause
        (rf",\s*(?P<see>see\s+){_SPAN}(?=\))", lambda m: ""),
        # "(see ``x`` for what that means, ...": the clause, up to the comma
        (rf"\((?P<see>see\s+){_SPAN}[^,()]*,\s*", lambda m: "("),
        # '"reads" is ``x``: the read actions...': a definition
        (rf"\bis\s+(?P<see>){_SPAN}:", lambda m: "means:"),
        # "(``x``, ...": the reference, or its words
        (rf"\((?P<see>){_SPAN},\s*", lambda m: "(" + _then(m, ", ")),
        # anywhere else: its words
        (rf"(?P<see>){_SPAN}", lambda m: _then(m, "") or _words(m.group("ref"))),
    ]
    for pattern, replace in substitutions:
        text = re.sub(pattern, partial(_apply, replace=replace), text)
    return text


def _apply(match: re.Match[str], replace: Callable[[re.Match[str]], str]) -> str:
    ref = classify(match.group("ref"), after_see=bool(match.group("see")))
    if ref is None:
        return match.group(0)
    if not ref.internal:  # kept, in other words (a policy key)
        return match.group(0).replace(f"``{match.group('ref')}``", ref.words)
    return replace(match)


def _then(match: re.Match[str], suffix: str) -> str:
    ref = classify(match.group("ref"))
    return f"{ref.words}{suffix}" if ref is not None and ref.words else ""


def _words(identifier: str) -> str:
    """``service_reads`` -> "service reads", ``PolicyError`` -> "policy error"."""
    name = re.split(r"[.(]", identifier.rstrip("()"))[-1] or identifier
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ")
    return " ".join(spaced.split()).lower()


def _blocks(doc: str, change: Callable[[str], str]) -> list[str]:
    """The lines of ``doc``, ``change`` applied to each paragraph and list item (``* ``) with
    its lines joined; a block that changed is wrapped again, keeping its list marker."""
    out: list[str] = []
    block: list[str] = []
    for line in doc.splitlines():
        if not line.strip() or line.lstrip().startswith(("* ", "- ")):
            out += _changed(block, change) if block else []
            block = []
        if line.strip():
            block.append(line)
        else:
            out.append(line)
    return out + (_changed(block, change) if block else [])


def _changed(block: list[str], change: Callable[[str], str]) -> list[str]:
    joined = " ".join(line.strip() for line in block)
    result = change(joined)
    if result == joined:
        return block
    first = block[0]
    indent = first[: len(first) - len(first.lstrip())]
    bullet = first.lstrip()[:2] if first.lstrip().startswith(("* ", "- ")) else ""
    return textwrap.wrap(
        result[len(bullet) :],
        width=_WIDTH,
        initial_indent=indent + bullet,
        subsequent_indent=indent + " " * len(bullet),
        break_long_words=False,
        break_on_hyphens=False,
    )
