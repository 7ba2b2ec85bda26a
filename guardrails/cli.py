"""The ``guardrails`` command: scan a cloud assembly or a template, list and explain the rules.

Exit codes (the catalog's contract): 0 = no open finding at or above ``fail_on``; 1 = there is
one; 2 = the input or the policy could not be read (in full: a scan that recorded errors exits 2
unless ``--allow-incomplete``), or the command line is wrong. Errors are one line on stderr,
never a traceback (``GUARDRAILS_DEBUG=1`` adds it for unexpected ones; the exit code stays 2).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import difflib
import inspect
import json
import os
import sys
import textwrap
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from guardrails.errors import GuardrailsError, where
from guardrails.policy import SEVERITIES, looks_like_rule_id
from guardrails.report.escape import clean
from guardrails.version import __version__

PROG = "guardrails"
FORMATS = ("text", "json", "sarif", "junit")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
DEBUG_ENV = "GUARDRAILS_DEBUG"

if TYPE_CHECKING:
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
    from guardrails.policy import Policy

    policy = Policy.from_file(args.policy) if args.policy else Policy()
    if args.fail_on:
        policy = dataclasses.replace(policy, fail_on=args.fail_on)
    if args.baseline:
        policy = dataclasses.replace(policy, baseline=args.baseline)
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


def _rules(args: argparse.Namespace) -> int:
    from guardrails.rules import all_rules

    rules = all_rules()
    if args.format == "json":
        _write(json.dumps([_rule_json(r) for r in rules], indent=2) + "\n")
        return EXIT_OK
    if args.format == "markdown":
        from guardrails.report import rules_doc

        _write(rules_doc.render(rules))
        return EXIT_OK
    if not rules:
        _write("no rules registered\n")
        return EXIT_OK
    id_width = max(len(r.id) for r in rules)
    sev_width = max(len(s) for s in SEVERITIES)
    lines = [f"{'ID':<{id_width}}  {'SEVERITY':<{sev_width}}  {'FIX':<6}  TITLE"]
    lines += [
        f"{r.id:<{id_width}}  {r.severity:<{sev_width}}  {r.remediation:<6}  {r.title}"
        for r in rules
    ]
    lines.append("")
    lines.append(f"{len(rules)} rules; `{PROG} explain <ID>` tells more about one.")
    _write("\n".join(lines) + "\n")
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
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
    lines = [
        f"{rule.id}  {rule.title}",
        "",
        f"Severity:     {rule.severity}",
        f"Concern:      {rule.concern}",
        f"Remediation:  {remediation}",
    ]
    sections = [
        ("Why it matters", rule.rationale),
        ("What it flags", inspect.getdoc(rule.check) or ""),
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
    if rule.source_url:
        lines += ["", f"Documentation: {rule.source_url}"]
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
    scan.add_argument("--policy", metavar="FILE", help="policy file (YAML or JSON)")
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
        "rules", help="list the rules", description="List the rule catalog."
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
    }


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
