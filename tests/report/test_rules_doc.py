"""docs/rules.md is generated from the rules' metadata and stays in sync with it."""

import ast
import sys
from pathlib import Path

import pytest

from guardrails.report import rules_doc
from guardrails.rules import all_rules

DOC = Path(__file__).parents[2] / "docs" / "rules.md"


def test_docs_rules_md_is_in_sync_with_the_metadata():
    assert DOC.read_text(encoding="utf-8") == rules_doc.render(all_rules()), (
        "docs/rules.md is out of date: run `make docs`"
    )


def test_every_rule_is_documented_with_an_anchor_a_fix_and_an_example():
    text = rules_doc.render(all_rules())
    for rule in all_rules():
        assert f"### {rule.id}\n" in text
        assert f"(#{rule.id.lower()})" in text
        assert rule.fix and rule.rationale and rule.example, rule.id


# -- the docstrings for users ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("doc", "shown"),
    [
        # a parenthesis that only points into the code goes, with its space
        (
            "the same role of the assembly (``ExecutionRole.functions``): of their own",
            "the same role of the assembly: of their own",
        ),
        (
            "Interpretations (see ``guardrails.model.packages``): manifests",
            "Interpretations: manifests",
        ),
        ("A layer version (``fn.layers``) published", "A layer version published"),
        ('on ``"*"`` (``STAR_IN_PRACTICE``); on', 'on ``"*"``; on'),
        ("read in windows (``credentials.LONG_LINE_WINDOW``).", "read in windows."),
        # "see" clauses go
        (
            "quoted (a well-formed ARN, see ``guardrails.rules.quoting``), else",
            "quoted (a well-formed ARN), else",
        ),
        (
            "(see ``credentials`` for what that means, placeholders such as ``changeme`` included)",
            "(placeholders such as ``changeme`` included)",
        ),
        # a leading reference in a parenthesis goes, or becomes words
        ("(``credentials.find_in_text``, by file type: source)", "(by file type: source)"),
        (
            "layers from (``guardrails/data/layer_accounts.json``, with its sources: ADOT)",
            "layers from (a list shipped with the package, with its sources: ADOT)",
        ),
        # elsewhere: words
        ('"reads" is ``service_reads``: the read actions', '"reads" means: the read actions'),
        (
            "stops the scan with a ``PolicyError`` naming",
            "stops the scan with a policy error naming",
        ),
        ("see rules/quoting: ``rules/quoting.py``", "see rules/quoting: the package's code"),
        (
            '"Today" is ``ctx.today``.',
            '"Today" is the date of the scan (``guardrails scan --today``; the current date by '
            "default).",
        ),
        # policy keys stay, said as such
        (
            "fewer days than ``policy.min_log_retention_days`` (default 90)",
            "fewer days than the policy's ``min_log_retention_days`` (default 90)",
        ),
    ],
)
def test_plain_takes_the_package_internals_out(doc, shown):
    assert rules_doc.plain(doc) == shown


@pytest.mark.parametrize(
    "doc",
    [
        "``TracingConfig.Mode`` is ``Active``; ``Code.ZipFile`` (``Code.ImageUri``)",
        'Pass ``lambda_.Tracing.ACTIVE`` (``Code.from_asset("app.zip")``)',
        "(``fn.metric_errors().create_alarm(...)``), ``iam.Role.from_role_arn``",
        "CloudFormation writes ``index.py`` (``Text`` or ``JSON``; ``Resource``, ``NONE``)",
        "v1 ``dependencies``, v2/v3 ``packages``; ``vpc_required`` (``trusted_accounts``)",
        "``DeadLetterConfig.TargetArn``, ``RetentionDays.INFINITE``, CDK's "
        "``Metric.grant_put_metric_data``",
    ],
)
def test_plain_keeps_cloudformation_cdk_names_values_and_policy_keys(doc):
    assert rules_doc.plain(doc) == doc


def test_plain_rewraps_only_the_paragraphs_and_items_it_changed():
    doc = (
        "A first paragraph that stays\nas it is.\n\n"
        "* An item that names the role's functions\n  (``ExecutionRole.functions``) and goes on.\n"
        "* An item that stays\n  on two lines."
    )
    assert rules_doc.plain(doc) == (
        "A first paragraph that stays\nas it is.\n\n"
        "* An item that names the role's functions and goes on.\n"
        "* An item that stays\n  on two lines."
    )


def test_the_vocabulary_comes_from_the_package():
    assert rules_doc.classify("ExecutionRole.functions") is not None
    assert rules_doc.classify("LambdaFunction.role") is not None
    assert rules_doc.classify("Token.anything") is not None
    assert rules_doc.classify("quoting.quote_arn") is not None
    assert rules_doc.classify("Code.ZipFile") is None
    # a class named like a CDK one is the user's unless the attribute is the class's own
    assert rules_doc.classify('Code.from_asset("src")') is None


# -- severity notes ------------------------------------------------------------------------------
def _checks_with_a_case_severity() -> set[str]:
    """Ids of the rules whose check gives a ``Violation`` a ``severity=`` (read from the
    source, so that a new case cannot go without its note)."""
    checks = {(r.check.__module__, r.check.__name__): r.id for r in all_rules()}
    found: set[str] = set()
    for module_name in {module for module, _ in checks}:
        tree = ast.parse(Path(sys.modules[module_name].__file__ or "").read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef):
                continue
            for call in ast.walk(fn):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id == "Violation"
                    and any(k.arg == "severity" for k in call.keywords)
                ):
                    assert (module_name, fn.name) in checks, (
                        f"{module_name}.{fn.name} gives a Violation a severity but is no rule's "
                        "check: teach this test which rule it serves"
                    )
                    found.add(checks[(module_name, fn.name)])
    return found


def test_every_rule_with_case_severities_has_a_note_and_only_those():
    assert set(rules_doc.SEVERITY_NOTES) == _checks_with_a_case_severity()
    assert {"GR-DEP-01", "GR-DEP-02"} <= set(rules_doc.SEVERITY_NOTES)


def test_severity_notes_name_the_framework_case_for_framework_rules_only():
    assert rules_doc.severity_note("GR-DEP-02", framework=False) == (
        "high when the policy sets require_code_signing"
    )
    assert rules_doc.severity_note("GR-DEP-02").endswith(rules_doc.FRAMEWORK_NOTE)
    assert rules_doc.severity_note("GR-IAM-09") == ""  # not a framework rule, one severity
    assert rules_doc.severity_note("GR-OBS-01") == rules_doc.FRAMEWORK_NOTE


def test_the_docs_show_the_severity_notes():
    text = rules_doc.render(all_rules())
    assert "`rules: {<ID>: {severity: ...}}`" in text
    for rule in all_rules():
        section = text.split(f"### {rule.id}\n", 1)[1].split("\n### ", 1)[0]
        if rules_doc.severity_note(rule.id):
            assert "*Other severities.*" in section, rule.id
        else:
            assert "*Other severities.*" not in section, rule.id
    assert "medium when its deprecation is at most the policy's `runtime_warning_days`" in text
