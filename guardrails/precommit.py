"""``python -m guardrails.precommit [OPTIONS] FILE...``: the pre-commit hook for templates.

``guardrails scan`` checks one path per run; pre-commit passes every changed file. This entry
scans each file in turn (``guardrails scan FILE --format text [OPTIONS]``, after a line
``== FILE``) and exits with the
worst exit code: 0 = no open finding at or above ``fail_on`` in any file, 1 = there is one,
2 = a file or the policy could not be read. The options are those of ``scan`` that make sense
for a hook: ``--policy``, ``--fail-on``, ``--allow-incomplete``, ``--today``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from guardrails import cli


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m guardrails.precommit",
        description="Scan each template with guardrails scan; exit with the worst exit code.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="templates to scan")
    parser.add_argument("--policy", metavar="FILE", help="policy file (scan --policy)")
    parser.add_argument("--fail-on", metavar="SEV", help="scan --fail-on")
    parser.add_argument("--allow-incomplete", action="store_true", help="scan --allow-incomplete")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="scan --today")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Scan each file of ``argv``; return the worst exit code (0 without files)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else cli.EXIT_ERROR
    options: list[str] = ["--format", "text"]
    if args.policy:
        options += ["--policy", args.policy]
    if args.fail_on:
        options += ["--fail-on", args.fail_on]
    if args.allow_incomplete:
        options.append("--allow-incomplete")
    if args.today:
        options += ["--today", args.today]
    worst = cli.EXIT_OK
    for path in args.files:
        print(f"== {path}", flush=True)  # the report does not name the template it checked
        worst = max(worst, cli.main(["scan", path, *options]))
    return worst


if __name__ == "__main__":
    sys.exit(main())
