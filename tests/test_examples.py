"""The CI examples (examples/ci) and the pre-commit hooks run commands the real CLI accepts.

Every ``guardrails ...`` command line in the examples is split with shlex and checked against
``guardrails.cli._parser()``: the subcommand exists, every flag is one of its options and every
``--format`` value is one of its choices. Flags and formats of the CLI's announced synopsis that
the parser does not have yet (``PLANNED``) are reported as an expected failure of their own test
until they land; anything else unknown fails.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from guardrails import cli, precommit
from guardrails.version import __version__

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "ci").glob("*.yml"))
HOOKS = ROOT / ".pre-commit-hooks.yaml"
TEMPLATES = ROOT / "tests" / "templates"

#: the announced synopsis (issue 10) the examples may use before the parser has it
PLANNED: dict[str, set[str]] = {
    "scan": {
        "--format",
        "--output",
        "--policy",
        "--fail-on",
        "--baseline",
        "--write-baseline",
        "--allow-incomplete",
        "--quiet",
        "--no-color",
        "--min-severity",
        "--today",
    },
    "baseline": {"--output", "--policy"},
}
PLANNED_FORMATS = {"text", "json", "sarif", "junit", "markdown", "codequality"}
#: shell words that end one command
SEPARATORS = {";", "&&", "||", "|", "&", ")", "then", "do"}


# -- the real parser ---------------------------------------------------------------------------
def _subparsers() -> dict[str, argparse.ArgumentParser]:
    for action in cli._parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the guardrails parser has no subcommands")


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {flag: action for action in parser._actions for flag in action.option_strings}


# -- the commands in the examples --------------------------------------------------------------
def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _commands(path: Path) -> list[list[str]]:
    """Every ``guardrails ...`` command in ``path``'s YAML strings, as argv without the program
    name and without shell variables; a ``NAME="--flag value"`` assignment (how the examples
    add ``--baseline`` when the file exists) counts as flags of a ``scan``."""
    found: list[list[str]] = []
    for text in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
        for line in text.splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
            lexer.whitespace_split = True
            words = list(lexer)
            for i, word in enumerate(words):
                if word == "guardrails" and i + 1 < len(words):
                    argv: list[str] = []
                    for arg in words[i + 1 :]:
                        if arg in SEPARATORS:
                            break
                        if not arg.startswith("$"):
                            argv.append(arg)
                    found.append(argv)
                assignment = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=(--.+)", word)
                if assignment:
                    found.append(["scan", *shlex.split(assignment.group(1))])
    # the commands the comments quote, such as `guardrails baseline cdk.out --output FILE`
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#"):
            found += [
                shlex.split(quoted)[1:] for quoted in re.findall(r"`(guardrails [^`]+)`", line)
            ]
    return found


def _check(argv: list[str], subparsers: dict[str, argparse.ArgumentParser]) -> tuple[list, list]:
    """(unknown, pending): what neither the parser nor the synopsis has, and what only the
    synopsis has."""
    unknown: list[str] = []
    pending: list[str] = []
    command = argv[0] if argv else ""
    if command not in subparsers:
        (pending if command in PLANNED else unknown).append(f"subcommand {command!r}")
        return unknown, pending
    options = _options(subparsers[command])
    for i, arg in enumerate(argv[1:], start=1):
        if not arg.startswith("-"):
            continue
        flag = arg.split("=", 1)[0]
        if flag not in options:
            (pending if flag in PLANNED[command] else unknown).append(f"{command} {flag}")
            continue
        if flag == "--format":
            value = arg.split("=", 1)[1] if "=" in arg else argv[i + 1]
            # a custom --format action may validate itself: then the CLI's FORMATS apply
            choices = set(options[flag].choices or getattr(cli, "FORMATS", ()))
            if value not in choices:
                planned = command == "scan" and value in PLANNED_FORMATS
                (pending if planned else unknown).append(f"{command} --format {value}")
    return unknown, pending


def _all_commands() -> list[tuple[str, list[str]]]:
    return [(path.name, argv) for path in EXAMPLES for argv in _commands(path)]


def test_examples_exist_and_parse() -> None:
    names = {path.name for path in EXAMPLES}
    assert {"github-actions.yml", "gitlab-ci.yml", "buildspec.yml"} <= names
    for path in EXAMPLES:
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict), path
        scans = [argv for argv in _commands(path) if argv[:1] == ["scan"]]
        assert scans, f"{path.name} runs no guardrails scan"


def test_examples_name_only_real_subcommands_flags_and_formats() -> None:
    subparsers = _subparsers()
    unknown = [
        f"{name}: {problem}"
        for name, argv in _all_commands()
        for problem in _check(argv, subparsers)[0]
    ]
    assert not unknown, f"not in the guardrails CLI: {unknown}"


def test_examples_need_no_pending_cli_feature() -> None:
    """Expected to fail (xfail) only while the CLI lacks part of the announced synopsis."""
    subparsers = _subparsers()
    pending = sorted(
        {
            f"{name}: {item}"
            for name, argv in _all_commands()
            for item in _check(argv, subparsers)[1]
        }
    )
    if pending:
        pytest.xfail(f"the CLI does not have these yet: {pending}")
    parser = cli._parser()
    for name, argv in _all_commands():
        if argv[0] == "scan" and argv[1:2] and argv[1].startswith("--"):
            continue  # the flags of a NAME="--flag value" assignment, checked above
        try:
            parser.parse_args(argv)
        except SystemExit:  # pragma: no cover - argparse printed why
            pytest.fail(f"{name}: guardrails {shlex.join(argv)} does not parse")


def test_the_checker_catches_a_wrong_flag_or_format() -> None:
    subparsers = _subparsers()
    assert _check(["scan", "cdk.out", "--no-such-flag"], subparsers)[0]
    assert _check(["scan", "cdk.out", "--format", "pdf"], subparsers)[0]
    assert _check(["frobnicate"], subparsers)[0]
    assert not _check(["scan", "cdk.out", "--format", "sarif", "--output", "x"], subparsers)[0]


def test_examples_pin_this_version_and_keep_the_exit_code() -> None:
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        assert f"pip install lambda-guardrails=={__version__}" in text, path.name
        for line in text.splitlines():
            if re.search(r"\bguardrails scan\b", line) and not line.lstrip().startswith("#"):
                assert "|| true" not in line, f"{path.name} swallows the scan's exit code"


def test_examples_publish_the_reports() -> None:
    github = yaml.safe_load((ROOT / "examples/ci/github-actions.yml").read_text(encoding="utf-8"))
    steps = [step for job in github["jobs"].values() for step in job["steps"]]
    upload = [
        s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif")
    ]
    assert upload and upload[0]["if"] == "always()"
    assert upload[0]["with"]["sarif_file"] == "guardrails.sarif"
    assert any("GITHUB_STEP_SUMMARY" in str(s.get("run", "")) for s in steps)

    gitlab = yaml.safe_load((ROOT / "examples/ci/gitlab-ci.yml").read_text(encoding="utf-8"))
    artifacts = gitlab["guardrails"]["artifacts"]
    assert artifacts["when"] == "always"
    assert artifacts["reports"] == {
        "codequality": "gl-code-quality-report.json",
        "junit": "guardrails-junit.xml",
    }

    buildspec = yaml.safe_load((ROOT / "examples/ci/buildspec.yml").read_text(encoding="utf-8"))
    [group] = buildspec["reports"].values()
    assert group["file-format"] == "JUNITXML"
    assert group["files"] == ["guardrails-junit.xml"]


# -- pre-commit --------------------------------------------------------------------------------
def test_precommit_hooks_name_real_entries() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}
    assert set(hooks) == {"lambda-guardrails-templates", "lambda-guardrails-cdk-out"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert {"name", "entry"} <= set(hook)
    templates = hooks["lambda-guardrails-templates"]
    assert templates["entry"] == "python -m guardrails.precommit"
    assert templates["pass_filenames"] is True
    pattern = re.compile(templates["files"])
    for name in ("template.yaml", "sam/template.yml", "cdk.out/App.template.json"):
        assert pattern.search(name), name
    for name in (".github/workflows/ci.yml", "package.json", "cdk.json"):
        assert not pattern.search(name), name
    cdk_out = hooks["lambda-guardrails-cdk-out"]
    entry = shlex.split(cdk_out["entry"]) + cdk_out["args"]
    assert entry[0] == "guardrails"
    assert entry[1] in _subparsers()
    assert _check(entry[1:], _subparsers()) == ([], [])
    assert cdk_out["pass_filenames"] is False and cdk_out["always_run"] is True


def test_precommit_scans_each_file_and_returns_the_worst_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    compliant = TEMPLATES / "compliant" / "GR-CFG-01-reserved.json"
    flagged = sorted((TEMPLATES / "flagged").glob("*.json"))
    assert cli.main(["scan", str(compliant), "--today", "2026-01-01"]) == 0
    worst = next(p for p in flagged if cli.main(["scan", str(p), "--today", "2026-01-01"]) == 1)
    capsys.readouterr()
    assert precommit.main([str(compliant), "--today", "2026-01-01"]) == 0
    assert precommit.main([str(compliant), str(worst), "--today", "2026-01-01"]) == 1
    assert precommit.main([str(worst), str(compliant), "--today", "2026-01-01"]) == 1
    out = capsys.readouterr().out
    assert str(compliant) in out and str(worst) in out  # both were scanned
    missing = str(TEMPLATES / "no-such-template.json")
    assert precommit.main([str(compliant), missing, str(worst)]) == 2
    assert precommit.main([]) == 0
