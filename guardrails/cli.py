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
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import difflib
import json
import os
import sys
import textwrap
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guardrails.errors import GuardrailsError, where
from guardrails.policy import SEVERITIES, looks_like_rule_id
from guardrails.report.escape import clean
from guardrails.version import __version__

PROG = "guardrails"
FORMATS = ("text", "json", "sarif", "junit")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
DEBUG_ENV = "GUARDRAILS_DEBUG"
#: the CDK app's configuration, read for its context when the assembly records no policy
CDK_JSON = "cdk.json"

if TYPE_CHECKING:
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
def _scan(args: argparse.Namespace) -> int:
    from guardrails import engine, report
    from guardrails.model import load

    policy = _scan_policy(args)
    if args.fail_on:
        policy = _override(policy, "fail_on", args.fail_on, "--fail-on")
    if args.baseline:
        policy = _override(policy, "baseline", args.baseline, "--baseline")
    assembly = load(args.path)
    result = engine.scan(assembly, policy, today=args.today or dt.date.today())
    if args.allow_incomplete:
        result = dataclasses.replace(result, allow_incomplete=True)
    output = report.render(result, args.format)
    if args.output:
        target = Path(args.output)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(output, encoding="utf-8")
        except OSError as exc:
            _error(f"{target}: cannot write the report ({exc.__class__.__name__}: {exc.strerror})")
            return EXIT_ERROR
        incomplete = f", {len(result.errors)} errors (INCOMPLETE)" if result.incomplete else ""
        print(
            clean(
                f"{PROG}: {args.format} report written to {target}: "
                f"{len(result.open)} open findings{incomplete}, {result.verdict} "
                f"(fail_on {policy.fail_on})"
            ),
            file=sys.stderr,
        )
    else:
        _write(output)
    return result.exit_code


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
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Policy-as-code for AWS Lambda in the AWS CDK: check the functions of a "
        "synthesized cloud assembly (cdk.out) or of a CloudFormation template.",
        epilog="Exit codes: 0 = no open finding at or above fail_on, 1 = there is one, "
        "2 = the input, the policy or the command line could not be read, or part of the input "
        "could not be checked (see --allow-incomplete).",
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
        "--format", choices=FORMATS, default="text", help="report format (default: text)"
    )
    scan.add_argument(
        "--policy",
        metavar="FILE",
        help="policy file (YAML or JSON); default: the policy recorded in the assembly at synth "
        "(lambda-guardrails-policy.json), else the context key lambda-guardrails:policy of "
        "cdk.json in the current directory, else the defaults",
    )
    scan.add_argument(
        "--fail-on",
        type=str.lower,
        choices=(*SEVERITIES, "none"),
        help="lowest severity of an open finding that fails the run (overrides the policy; "
        "default: the policy's fail_on, high)",
    )
    scan.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    scan.add_argument(
        "--baseline",
        metavar="FILE",
        help="a JSON report of an earlier scan: its findings are reported as baseline and do "
        "not fail the run (overrides the policy's baseline)",
    )
    scan.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="do not fail on errors (parts of the input that could not be checked, such as an "
        "unreadable asset): the verdict then rests on the findings alone. Without it, a scan "
        "with errors exits 2: a gate never passes what it could not read",
    )
    scan.add_argument(
        "--today",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the date rules and exemptions compare against (default: today)",
    )
    scan.set_defaults(command=_scan)

    rules = commands.add_parser(
        "rules",
        help="list the rules",
        description="List the rule catalog: each rule's id, default severity (and when a "
        "finding has another), automatic fix and title.",
    )
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    rules.set_defaults(command=_rules)

    explain = commands.add_parser(
        "explain",
        help="explain one rule",
        description="Explain one rule: why it matters, what it flags, how to fix it.",
    )
    explain.add_argument("rule_id", metavar="RULE_ID", help="a rule id such as GR-IAM-05")
    explain.set_defaults(command=_explain)
    return parser


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
