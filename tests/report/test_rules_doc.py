"""docs/rules.md is generated from the rules' metadata and stays in sync with it."""

from pathlib import Path

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
