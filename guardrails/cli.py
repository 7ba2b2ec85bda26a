"""The ``guardrails`` command: scan a cloud assembly or a template, list and explain the rules.

Exit codes (the catalog's contract): 0 = no open finding at or above ``fail_on``; 1 = there is
one; 2 = the input or the policy could not be read (in full: a scan that recorded errors exits 2
unless ``--allow-incomplete``), or the command line is wrong. Errors are one line on stderr,
never a traceback (``GUARDRAILS_DEBUG=1`` adds it for unexpected ones; the exit code stays 2).

The policy ``scan`` applies, first found wins (the text report's header names it):

1. ``--policy FILE``;
2. the policy recorded in the scanned assembly (``cdk.out/lambda-guardrails-policy.json``):
   the one the CDK plugin applied at synth, after the CDK context overrides, so that a pipeline
   reports what ``cdk synth`` reported (rules switched off, exemptions);
3. the CDK context of ``cdk.json`` in the current directory (``lambda-guardrails:policy``, and
   ``lambda-guardrails:mode`` / ``lambda-guardrails:fail_on``), as the plugin would read it;
4. the defaults.

``--fail-on`` and ``--baseline`` then override the policy's keys. The recorded policy is part of
the scanned input, written by the app's own synth: a gate that must not let the app choose its
policy passes ``--policy``.

A pipeline gets everything from one scan (the exit code is that scan's):

- several reports: ``--format F [--output FILE]`` may be repeated; an ``--output`` belongs to the
  ``--format`` right before it, a format without one goes to stdout (at most one may), and each
  file written is named in one line on stderr;
- a baseline: ``guardrails baseline [PATH] --output FILE`` (or ``scan --write-baseline FILE``)
  writes the findings open now (and those already in the baseline) as a JSON report, the format
  ``--baseline`` reads, so that ``scan --baseline FILE`` then fails only on new findings.
  ``baseline`` exits 0 with open findings; 2 when the input could not be read in full (unless
  ``--allow-incomplete``), and then writes no baseline;
- a readable log: ``--quiet`` prints only the verdict line of the text report on stdout;
  ``--min-severity`` hides the findings below a severity in the text and markdown reports
  (what fails, the summary counts and the exit code do not change); the text report on a
  terminal colours the severities and the verdict, never with ``--no-color`` or a non-empty
  ``NO_COLOR`` (https://no-color.org), never in a file or a pipe.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import difflib
import json
import os
import re
import sys
import textwrap
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from guardrails.errors import GuardrailsError, where
from guardrails.policy import SEVERITIES, SEVERITY_RANK, looks_like_rule_id
from guardrails.report.escape import clean
from guardrails.version import __version__

PROG = "guardrails"
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
DEBUG_ENV = "GUARDRAILS_DEBUG"
#: the CDK app's configuration, read for its context when the assembly records no policy
CDK_JSON = "cdk.json"
#: https://no-color.org: any non-empty value turns colour off
NO_COLOR_ENV = "NO_COLOR"
#: the formats ``--min-severity`` filters (the others are read by programs: they get everything)
FILTERED_FORMATS = ("text", "markdown")

if TYPE_CHECKING:
    from guardrails.engine import Report
    from guardrails.policy import Policy
    from guardrails.rules import Rule


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors: argparse has printed them
        return (
            exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_ERROR)
        )
    try:
        return int(args.command(args))
    except GuardrailsError as exc:
        _error(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except RecursionError as exc:  # a shape no cap foresaw: still one line, still exit 2
        _debug_traceback(exc)
        _error(
            f"{_input(args)}: the input nests too deep to check ({where(exc)}); "
            "simplify the template"
        )
        return EXIT_ERROR
    except MemoryError as exc:
        _debug_traceback(exc)
        _error(f"{_input(args)}: the input is too large to check in memory; scan it in parts")
        return EXIT_ERROR
    except Exception as exc:
        _debug_traceback(exc)
        _error(
            f"{_input(args)}: could not be checked (internal error {where(exc)}); this is a "
            f"bug: report it as SECURITY.md says, with {DEBUG_ENV}=1 output"
        )
        return EXIT_ERROR


# -- commands --------------------------------------------------------------------------------
class UsageError(GuardrailsError):
    """A command line argparse accepts but that makes no sense (two reports to stdout)."""


def _scan(args: argparse.Namespace) -> int:
    from guardrails.report import render

    targets = _targets(args.events)  # a wrong command line fails before the scan
    policy, result = _run_scan(args)
    code = result.exit_code  # one scan, one exit code, whatever is written
    stdout_text: str | None = None
    for fmt, output in targets:
        rendered = _shown(result, fmt, args.min_severity) if args.min_severity else None
        text = rendered if rendered is not None else render(result, fmt)
        if output is None:
            if fmt == "text":
                if args.quiet:  # the verdict is always the text report's last line
                    text = text.splitlines()[-1] + "\n"
                if _use_color(args, sys.stdout):
                    text = colorize(text)
            stdout_text = text
            continue
        if _write_file(output, text, "report"):
            _written(f"{fmt} report written to {output}", result, policy)
        else:
            code = EXIT_ERROR
    if args.write_baseline:
        code = max(code, _write_baseline(result, args.write_baseline))
    if stdout_text is not None:
        _write(stdout_text)
    return code


def _baseline(args: argparse.Namespace) -> int:
    """``guardrails baseline``: scan and write the findings open now as the baseline; open
    findings do not fail it (accepting them is the point), errors do."""
    _, result = _run_scan(args)
    return _write_baseline(result, args.output)


def _run_scan(args: argparse.Namespace) -> tuple[Policy, Report]:
    """The policy (with the command line's overrides) and the report of the one scan."""
    from guardrails import engine
    from guardrails.model import load

    policy = _scan_policy(args)
    if getattr(args, "fail_on", None):
        policy = _override(policy, "fail_on", args.fail_on, "--fail-on")
    if getattr(args, "baseline", None):
        policy = _override(policy, "baseline", args.baseline, "--baseline")
    today = args.today or dt.date.today()
    pulumi_document = _pulumi_document(Path(args.path))
    if pulumi_document is not None:
        from guardrails.pulumi.documents import resources_of
        from guardrails.pulumi.scan import scan_resources

        kind, doc = pulumi_document
        resources = resources_of(kind, doc, args.path)
        stack = Path(args.path).name.split(".")[0]
        result = scan_resources(
            resources, policy, stack=stack, source=Path(args.path), today=today
        ).report
    else:
        result = engine.scan(load(args.path), policy, today=today)
    if args.allow_incomplete:
        result = dataclasses.replace(result, allow_incomplete=True)
    return policy, result


def _least_privilege(args: argparse.Namespace) -> int:
    """``guardrails least-privilege``: the derived policies (``report.least_privilege``)."""
    from guardrails.model import graph, load
    from guardrails.report import least_privilege

    errors: list[str] = []
    functions = graph.build(load(args.path), errors).functions
    selected = least_privilege.select(functions, args.function)
    if args.function is not None and not selected:
        _error(
            f"{args.path}: --function: no function is named that; give <stack>/<logical id>, a "
            "logical id or a construct path (`guardrails least-privilege` lists them all)"
        )
        return EXIT_ERROR
    pictures = [least_privilege.of(fn) for fn in selected]
    render = {
        "text": least_privilege.to_text,
        "json": least_privilege.to_json,
        "cdk": least_privilege.to_cdk,
    }[args.format]
    _write(render(pictures))
    for error in dict.fromkeys(errors):
        _error(error)
    return EXIT_ERROR if errors else EXIT_OK


def _pulumi_document(path: Path) -> tuple[str, Any] | None:
    """A ``pulumi preview --json`` or ``pulumi stack export`` document (a JSON file of that
    shape: ``guardrails.pulumi.documents``), else None."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return None
    from guardrails.pulumi.documents import read_document

    return read_document(path)


def _targets(events: Sequence[tuple[str, str]]) -> list[tuple[str, str | None]]:
    """The reports to write, as (format, file or ``None`` for stdout), from ``--format`` and
    ``--output`` in command-line order: an ``--output`` belongs to the ``--format`` right before
    it. One ``--output`` before the only ``--format`` (or with none: text) is today's form."""
    pairs: list[list[Any]] = []
    loose: list[str] = []  # --output before any --format
    for kind, value in events:
        if kind == "format":
            pairs.append([value, None])
        elif not pairs:
            loose.append(value)
        elif pairs[-1][1] is None:
            pairs[-1][1] = value
        else:
            raise UsageError(
                f"scan: a second --output after --format {pairs[-1][0]}; "
                "give each --output FILE its own --format before it"
            )
    if loose:
        if len(loose) > 1 or len(pairs) > 1 or (pairs and pairs[0][1] is not None):
            raise UsageError(
                "scan: --output FILE belongs to the --format right before it; "
                "write each report as --format F --output FILE"
            )
        pairs = [[pairs[0][0] if pairs else "text", loose[0]]]
    if not pairs:
        pairs = [["text", None]]
    to_stdout = [fmt for fmt, output in pairs if output is None]
    if len(to_stdout) > 1:
        raise UsageError(
            f"scan: {' and '.join(to_stdout)} would both go to stdout; "
            "give all of them but one an --output FILE"
        )
    return [(fmt, output) for fmt, output in pairs]


def _write_file(output: str, text: str, what: str) -> bool:
    """Write ``text`` to ``output`` (its folders created); on failure one error line."""
    target = Path(output)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        _error(f"{target}: cannot write the {what} ({exc.__class__.__name__}: {exc.strerror})")
        return False
    return True


def _incomplete(result: Report) -> str:
    """What a line about a written file adds when the scan recorded errors."""
    return f", {len(result.errors)} errors (INCOMPLETE)" if result.incomplete else ""


def _written(what: str, result: Report, policy: Policy) -> None:
    """The one stderr line that names a file written and the scan's outcome."""
    print(
        clean(
            f"{PROG}: {what}: {len(result.open)} open findings{_incomplete(result)}, "
            f"{result.verdict} "
            f"(fail_on {policy.fail_on})"
        ),
        file=sys.stderr,
    )


def _write_baseline(result: Report, output: str) -> int:
    """Write the baseline of ``result``: its JSON report with the findings accepted as they
    stand (open, or already in the baseline). Acknowledged, exempted and remediated findings are
    left out: their own reason covers them, and an exemption that expires must fail again. A scan
    whose errors block it writes none: what could not be read is never accepted."""
    from guardrails.report import render

    if result.blocked_by_errors:
        _error(
            f"{output}: baseline not written: {_plural(len(result.errors), 'error')} "
            "(parts of the input could not be checked; see --allow-incomplete)"
        )
        return EXIT_ERROR
    accepted = tuple(f for f in result.findings if f.status in ("open", "baseline"))
    text = render(dataclasses.replace(result, findings=accepted), "json")
    if not _write_file(output, text, "baseline"):
        return EXIT_ERROR
    print(
        clean(
            f"{PROG}: baseline written to {output}: {_plural(len(accepted), 'finding')} "
            f"accepted{_incomplete(result)}; `{PROG} scan --baseline {output}` fails only on "
            "new ones"
        ),
        file=sys.stderr,
    )
    return EXIT_OK


def _shown(result: Report, fmt: str, min_severity: str) -> str | None:
    """The ``fmt`` report showing only the findings at or above ``min_severity``, or ``None``
    when ``fmt`` is not filtered or nothing is hidden. What fails does not change.

    The writers count from the report they get (the text summary counts ``report.open`` and
    each status over ``report.findings``, its verdict reads ``report.failing``; the Markdown
    heading, counts and tables read ``report.open``), so a filtered copy alone would print
    smaller counts and could even print PASSED for a failing run. The report is therefore
    rendered twice and spliced: the listed findings come from the filtered copy, everything
    else (header, counts, verdict) from the full report, unchanged, with a line saying how many
    findings are not shown. The text verdict stays the last line."""
    from guardrails.report import render

    if fmt not in FILTERED_FORMATS:
        return None
    floor = SEVERITY_RANK[min_severity]
    shown = tuple(f for f in result.findings if SEVERITY_RANK.get(f.severity, 0) >= floor)
    # Markdown lists only the open findings (the others are counted): only those are hidden
    listed = result.findings if fmt == "text" else result.open
    hidden = sum(1 for f in listed if f not in shown)
    if not hidden:
        return None
    noun = "finding" if fmt == "text" else "open finding"
    note = f"{_plural(hidden, noun)} below {min_severity} not shown"
    full = render(result, fmt).split("\n")
    part = render(dataclasses.replace(result, findings=shown), fmt).split("\n")
    if fmt == "text":
        # the summary and the verdict follow the report's last blank line (each text ends
        # with a newline: its last item here is "")
        body_end = len(part) - 1 - part[-2::-1].index("")
        summary_at = len(full) - 1 - full[-2::-1].index("")
        return "\n".join([*part[:body_end], note, *full[summary_at:]])
    start, end = _listing(full)
    part_start, part_end = _listing(part)
    listing = part[part_start:part_end] if part_start < part_end else [_MD_LISTING, ""]
    return "\n".join([*full[:start], *listing, "", f"{note}.", *full[end:]])


#: the Markdown report's listing of findings: these sections, up to the next heading or footer
_MD_LISTING = "### Open findings"
_MD_LISTING_SECTIONS = (_MD_LISTING, "### By function")


def _listing(lines: list[str]) -> tuple[int, int]:
    """Where the Markdown report lists its open findings: from its heading to the blank line
    before the next section (or the footer); an empty range before the next section when it
    lists none. Input never starts a line there, so a heading is the writer's own."""
    start = lines.index(_MD_LISTING) if _MD_LISTING in lines else -1
    for i in range(max(start, 0), len(lines)):
        line = lines[i]
        if (line.startswith("### ") and line not in _MD_LISTING_SECTIONS) or line.startswith(
            "<sub>"
        ):
            end = i - 1 if i and not lines[i - 1] else i
            return (start if start >= 0 else end), end
    return (start if start >= 0 else len(lines)), len(lines)


#: ANSI SGR codes: severities by weight, the verdict green or red
_COLORS = {
    "CRITICAL": "1;31",
    "HIGH": "31",
    "MEDIUM": "33",
    "LOW": "36",
    "INFO": "2",
    "PASSED": "32",
    "FAILED": "1;31",
}
#: a finding's first line in the text report: two spaces, the severity, the rule id
_SEVERITY_LINE = re.compile(r"^  (" + "|".join(s.upper() for s in SEVERITIES) + r")(?= +\S)")
_VERDICT_WORD = re.compile(r"^(PASSED|FAILED)\b")


def colorize(text: str) -> str:
    """The rendered text report with its severity words and its verdict line (the last line:
    the only one that starts with PASSED or FAILED) in ANSI colours; nothing else changes."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        match = _SEVERITY_LINE.match(line)
        if match:
            word = match.group(1)
            lines[i] = f"  \x1b[{_COLORS[word]}m{word}\x1b[0m{line[match.end() :]}"
    last = len(lines) - 1 if lines[-1] else len(lines) - 2
    match = _VERDICT_WORD.match(lines[last]) if last >= 0 else None
    if match:
        lines[last] = f"\x1b[{_COLORS[match.group(1)]}m{lines[last]}\x1b[0m"
    return "\n".join(lines)


def _use_color(args: argparse.Namespace, stream: TextIO) -> bool:
    """Colour only on a terminal, never with ``--no-color`` or a non-empty ``NO_COLOR``."""
    if args.no_color or os.environ.get(NO_COLOR_ENV, ""):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def _scan_policy(args: argparse.Namespace) -> Policy:
    """The policy ``scan`` applies (see the module docstring for the order), its ``source``
    replaced by a description for the report's header. A relative ``osv_database`` is pinned
    first (``Policy.pinned``): it means the folder next to the policy file, whatever the
    description says."""
    from guardrails.policy import CONTEXT_POLICY, RECORD_FILE, Policy

    if args.policy:
        policy = Policy.from_file(args.policy).pinned()
        return dataclasses.replace(policy, source=f"{args.policy} (--policy)")
    folder = Path(args.path)
    record = folder / RECORD_FILE
    if folder.is_dir() and os.path.lexists(record):  # a link or a FIFO there is an error
        policy = Policy.from_record(record)  # pinned when it was recorded
        origins = dict.fromkeys([policy.source, *policy.key_sources.values()])
        origins.pop(str(record), None)  # keys the record leaves at their defaults
        named = ", ".join(_ORIGINS.get(origin, origin) for origin in origins) or "defaults"
        return dataclasses.replace(policy, source=f"recorded at synth ({record}, from {named})")
    context = _cdk_json_context()
    if not context:
        return Policy(source="defaults")
    policy = Policy().with_context(context).pinned()
    if context.get(CONTEXT_POLICY) is None:
        described = "defaults"
    elif policy.source == f"context {CONTEXT_POLICY}":  # an inline mapping
        described = f"{CDK_JSON} context {CONTEXT_POLICY}"
    else:
        described = f"{policy.source} ({CDK_JSON} context {CONTEXT_POLICY})"
    others = [key for key in sorted(context) if key != CONTEXT_POLICY and context[key] is not None]
    if others:
        described += f" with {CDK_JSON} context {', '.join(others)}"
    return dataclasses.replace(policy, source=described)


#: how a recorded policy's origins read in the header
_ORIGINS = {"<defaults>": "defaults", "<policy>": "a mapping in the app's code"}


def _cdk_json_context() -> dict[str, object]:
    """The context keys the CDK plugin reads, from ``cdk.json`` in the current directory (the
    app's configuration, which ``cdk synth`` reads too); ``{}`` without one. Read like every
    input (a bounded regular file); a malformed one is an error, not a silent default."""
    from guardrails.errors import PolicyError
    from guardrails.inputs import parse_json, read_text
    from guardrails.policy import CONTEXT_FAIL_ON, CONTEXT_MODE, CONTEXT_POLICY, MAX_POLICY_BYTES

    path = Path(CDK_JSON)
    if not os.path.lexists(path):
        return {}
    fix = f"fix {CDK_JSON}, or pass --policy"
    text = read_text(path, "CDK app configuration", MAX_POLICY_BYTES, PolicyError, fix=fix)
    doc = parse_json(text, path, "JSON", PolicyError, fix)
    context = doc.get("context") if isinstance(doc, dict) else None
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise PolicyError(f"{path}: 'context' must be a mapping of context keys; {fix}")
    keys = (CONTEXT_POLICY, CONTEXT_MODE, CONTEXT_FAIL_ON)
    return {key: context[key] for key in keys if context.get(key) is not None}


def _override(policy: Policy, key: str, value: str, option: str) -> Policy:
    """``policy`` with one key set from the command line, which messages then name."""
    changes: dict[str, Any] = {key: value, "key_sources": {**policy.key_sources, key: option}}
    return dataclasses.replace(policy, **changes)


def _rules(args: argparse.Namespace) -> int:
    from guardrails.report import rules_doc
    from guardrails.rules import all_rules

    rules = all_rules()
    if args.format == "json":
        _write(json.dumps([_rule_json(r) for r in rules], indent=2) + "\n")
        return EXIT_OK
    if args.format == "markdown":
        _write(rules_doc.render(rules))
        return EXIT_OK
    if not rules:
        _write("no rules registered\n")
        return EXIT_OK
    id_width = max(len(r.id) for r in rules)
    sev_width = max(len(s) for s in SEVERITIES)
    title_at = id_width + sev_width + 6 + 6
    lines = [f"{'ID':<{id_width}}  {'SEVERITY':<{sev_width}}  {'FIX':<6}  TITLE"]
    for r in rules:
        lines.append(
            f"{r.id:<{id_width}}  {r.severity:<{sev_width}}  {r.remediation:<6}  {r.title}"
        )
        # the rule's own cases under it; the framework and policy cases once, below
        note = rules_doc.severity_note(r.id, framework=False)
        if note:
            lines += _wrap(f"severity: {note}", first=" " * title_at, rest=" " * (title_at + 2))
    framework = ", ".join(rules_doc.framework_rules(rules)) or "none"
    lines.append("")
    lines.append(f"{len(rules)} rules; `{PROG} explain <ID>` tells more about one.")
    lines += _wrap(
        f"{rules_doc.SEVERITY_POLICY_NOTE}; by default these are {framework}.",
        first="",
        rest="  ",
    )
    _write("\n".join(lines) + "\n")
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from guardrails.report import rules_doc
    from guardrails.rules import all_rules, get

    rule = get(args.rule_id)
    if rule is None:
        close = difflib.get_close_matches(args.rule_id, [r.id for r in all_rules()], n=1)
        named = f" {args.rule_id}" if looks_like_rule_id(args.rule_id) else ""
        hint = f"did you mean {close[0]}? " if close and named else ""
        raise GuardrailsError(
            f"explain: no rule has the id{named}; {hint}run `{PROG} rules` to list the rule ids"
        )
    remediation = {
        "-": "- (no automatic fix)",
        "safe": "safe (the hardening Aspect applies it in remediate mode)",
        "opt-in": "opt-in (the hardening Aspect applies it when the policy asks for it)",
    }.get(rule.remediation, rule.remediation)
    note = rules_doc.severity_note(rule.id)
    lines = [
        f"{rule.id}  {rule.title}",
        "",
        f"Severity:     {rule.severity}",
        *_wrap(note, first=" " * 14, rest=" " * 14),  # when a finding has another
        f"Concern:      {rule.concern}",
        f"Remediation:  {remediation}",
    ]
    sections = [
        ("Why it matters", rule.rationale),
        # the docstring without the package's internal names (``ExecutionRole.functions``)
        ("What it flags", rules_doc.what_it_flags(rule)),
        ("How to fix", rule.fix),
    ]
    for heading, body in sections:
        if body:
            # a docstring keeps its own line breaks (lists); one-paragraph texts are wrapped
            keep_lines = heading == "What it flags"
            lines += ["", heading, *_indent(body, keep_lines=keep_lines)]
    if rule.example:
        lines += ["", "Example (CDK, Python)", *_indent(rule.example, keep_lines=True)]
    if rule.references:
        lines += ["", "References"]
        lines += [f"  {name}: {ref}" for name, ref in rule.references.items()]
    uri = rules_doc.help_uri(rule)
    if uri:
        lines += ["", f"Documentation: {uri}"]
    _write("\n".join(lines) + "\n")
    return EXIT_OK


# -- helpers ---------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    # the report formats are the writers registered (importing them costs the engine's import)
    from guardrails.report import FORMATS as formats

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Policy-as-code for AWS Lambda in the AWS CDK: check the functions of a "
        "synthesized cloud assembly (cdk.out) or of a CloudFormation template.",
        epilog="Exit codes: 0 = no open finding at or above fail_on, 1 = there is one, "
        "2 = the input, the policy or the command line could not be read, or part of the input "
        "could not be checked (see --allow-incomplete). `baseline` exits 0 with open findings.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    scan = commands.add_parser(
        "scan",
        help="check the Lambda functions of a cloud assembly or a template",
        description="Check every Lambda function of a cloud assembly directory or a single "
        "CloudFormation template (JSON or YAML) and report the findings.",
    )
    scan.add_argument(
        "path",
        nargs="?",
        default="cdk.out",
        metavar="PATH",
        help="cloud assembly directory or template file (default: cdk.out)",
    )
    scan.add_argument(
        "--format",
        choices=formats,
        action=_InOrder,
        default=argparse.SUPPRESS,
        help="report format (default: text); may be repeated to write several reports from one "
        "scan, each followed by its own --output FILE; a format without --output goes to "
        "stdout (at most one may)",
    )
    scan.add_argument(
        "--output",
        metavar="FILE",
        action=_InOrder,
        default=argparse.SUPPRESS,
        help="write the report of the --format right before it to FILE instead of stdout "
        "(its name goes to stderr in one line)",
    )
    _scan_arguments(scan)
    scan.add_argument(
        "--fail-on",
        type=str.lower,
        choices=(*SEVERITIES, "none"),
        help="lowest severity of an open finding that fails the run (overrides the policy; "
        "default: the policy's fail_on, high)",
    )
    scan.add_argument(
        "--baseline",
        metavar="FILE",
        help="a JSON report of an earlier scan (see the baseline command): its findings are "
        "reported as baseline and do not fail the run, only new ones do (overrides the "
        "policy's baseline)",
    )
    scan.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="also write the findings open now (and those already in the baseline) to FILE as "
        "a baseline, as the baseline command does; the exit code stays the scan's",
    )
    scan.add_argument(
        "--min-severity",
        type=str.lower,
        choices=SEVERITIES,
        help="show only the findings at or above this severity in the text and markdown "
        "reports (a line says how many are not shown); what fails, the summary counts and "
        "the exit code do not change",
    )
    scan.add_argument(
        "--quiet",
        action="store_true",
        help="print only the verdict line of the text report on stdout (reports in files and "
        "other formats are unchanged)",
    )
    scan.add_argument(
        "--no-color",
        action="store_true",
        help="never colour the text report (default: colour only when stdout is a terminal "
        f"and {NO_COLOR_ENV} is unset or empty)",
    )
    scan.set_defaults(command=_scan, events=())

    baseline = commands.add_parser(
        "baseline",
        help="accept the findings open now: write them as a baseline",
        description="Scan like the scan command and write the findings open now (and those "
        "already in the policy's baseline) as a JSON report to FILE: the baseline that "
        "`scan --baseline FILE` reads, failing then only on new findings. Exits 0 with open "
        "findings; 2 (and writes nothing) when the input, the policy or part of the input could "
        "not be read, unless --allow-incomplete.",
    )
    baseline.add_argument(
        "path",
        nargs="?",
        default="cdk.out",
        metavar="PATH",
        help="cloud assembly directory or template file (default: cdk.out)",
    )
    baseline.add_argument(
        "--output", metavar="FILE", required=True, help="the baseline file to write"
    )
    _scan_arguments(baseline)
    baseline.set_defaults(command=_baseline)

    rules = commands.add_parser(
        "rules",
        help="list the rules",
        description="List the rule catalog: each rule's id, default severity (and when a "
        "finding has another), automatic fix and title.",
    )
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    rules.set_defaults(command=_rules)

    least = commands.add_parser(
        "least-privilege",
        help="what each function's code calls, and the policy that derives from it",
        description="Per function: the AWS SDK calls its code makes (file and line), the "
        "least-privilege policy that derives from them (actions, and the resources its "
        "environment variables name), what its role grants that the code never calls "
        "(GR-IAM-15), what the code calls that the role does not allow (GR-IAM-16), and whether "
        "the analysis is complete. Rewrites nothing. Exits 0, or 2 when the input cannot be "
        "read or --function names no function.",
    )
    least.add_argument(
        "path",
        nargs="?",
        default="cdk.out",
        metavar="PATH",
        help="cloud assembly directory or template file (default: cdk.out)",
    )
    least.add_argument(
        "--function",
        metavar="ID",
        help="only this function: <stack>/<logical id>, a logical id or a construct path "
        "(default: every function of the app; those the CDK framework creates are left out)",
    )
    least.add_argument(
        "--format",
        choices=("text", "json", "cdk"),
        default="text",
        help="text (default), json, or cdk: the derived policies as CDK Python code",
    )
    least.set_defaults(command=_least_privilege)

    explain = commands.add_parser(
        "explain",
        help="explain one rule",
        description="Explain one rule: why it matters, what it flags, how to fix it.",
    )
    explain.add_argument("rule_id", metavar="RULE_ID", help="a rule id such as GR-IAM-05")
    explain.set_defaults(command=_explain)
    return parser


class _InOrder(argparse.Action):
    """Records ``--format`` and ``--output`` in ``events`` in command-line order, for
    ``_targets`` to pair them."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        namespace.events = (*getattr(namespace, "events", ()), (self.dest, values))


def _scan_arguments(command: argparse.ArgumentParser) -> None:
    """The arguments ``scan`` and ``baseline`` share: how the scan is made."""
    command.add_argument(
        "--policy",
        metavar="FILE",
        help="policy file (YAML or JSON); default: the policy recorded in the assembly at synth "
        "(lambda-guardrails-policy.json), else the context key lambda-guardrails:policy of "
        "cdk.json in the current directory, else the defaults",
    )
    command.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="do not fail on errors (parts of the input that could not be checked, such as an "
        "unreadable asset): the verdict then rests on the findings alone. Without it, a scan "
        "with errors exits 2: a gate never passes what it could not read",
    )
    command.add_argument(
        "--today",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the date rules and exemptions compare against (default: today)",
    )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "not a date; write it as YYYY-MM-DD (a real calendar date)"
        ) from None


def _indent(text: str, *, keep_lines: bool = False) -> list[str]:
    if keep_lines:
        return [f"  {line}".rstrip() for line in text.splitlines()]
    return textwrap.wrap(
        " ".join(text.split()),
        width=98,
        initial_indent="  ",
        subsequent_indent="  ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `guardrails scan | head`: the reader left, nothing to report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _error(message: str) -> None:
    """One line on stderr: a path or id taken from the input cannot add lines or escapes."""
    print(f"{PROG}: error: {clean(message)}", file=sys.stderr)


def _debug_traceback(exc: BaseException) -> None:
    """With ``GUARDRAILS_DEBUG=1``, the traceback (for a bug report); the exit code stays 2."""
    if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        traceback.print_exception(exc, file=sys.stderr)


def _input(args: argparse.Namespace) -> str:
    return str(getattr(args, "path", None) or PROG)


def _rule_json(rule: Rule) -> dict[str, object]:
    """A rule as ``guardrails rules --format json`` lists it; ``severity_note``: when its findings
    have another severity than ``severity`` ("" when never, apart from policy overrides)."""
    from guardrails.report import rules_doc

    return {
        "id": rule.id,
        "title": rule.title,
        "severity": rule.severity,
        "concern": rule.concern,
        "remediation": rule.remediation,
        "rationale": rule.rationale,
        "fix": rule.fix,
        "references": dict(rule.references),
        "example": rule.example,
        "source_url": rule.source_url,
        "severity_note": rules_doc.severity_note(rule.id),
    }


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _wrap(text: str, *, first: str, rest: str) -> list[str]:
    """``text`` wrapped to the width of the other listings, its lines indented by ``first``
    and ``rest``."""
    return textwrap.wrap(
        text,
        width=100,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
