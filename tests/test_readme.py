"""The README's examples run: the platform team's approved construct builds a stack in which
the engine finds nothing, under the strictest policy the example declares."""

import re
from pathlib import Path

import pytest

from guardrails import engine
from guardrails.model import load

README = Path(__file__).parents[1] / "README.md"


def approved_construct_code() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- approved-construct -->\n```python\n(.*?)```", text, re.S)
    assert match, "README lost its approved-construct example"
    return match.group(1)


def test_the_example_is_about_fifty_lines():
    assert len(approved_construct_code().splitlines()) <= 60


@pytest.fixture(scope="module")
def example(module_tmp):
    namespace: dict[str, object] = {}
    exec(compile(approved_construct_code(), str(README), "exec"), namespace)
    source = module_tmp / "src"
    source.mkdir()
    (source / "app.py").write_text("def handler(event, context):\n    return {'ok': True}\n")
    app = namespace["acme_app"](str(source), str(module_tmp / "cdk.out"))
    app.synth()  # enforce mode, fail_on low: any finding would raise here
    return namespace, load(module_tmp / "cdk.out")


def test_the_approved_construct_passes_every_rule(example):
    namespace, assembly = example
    report = engine.scan(assembly, namespace["ACME_POLICY"])
    assert report.functions >= 1
    assert [f"{f.rule_id} {f.logical_id} {f.message}" for f in report.findings] == []
    assert not report.errors
