"""The helpers that make a scan cost a few times the parse, checked against what they replace:
each must give the same answers as the plain computation, on any input."""

from __future__ import annotations

import gc
import json
import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails.model import actions
from guardrails.model.files import collector_paused
from guardrails.model.intrinsics import Evaluator
from guardrails.model.values import NO_VALUE, Text, Token, memoized


# -- resource patterns: the shortcuts of covers_every_resource -----------------------------------
def _compiled(pattern: str) -> re.Pattern[str]:
    """IAM wildcards, as ``actions`` reads them: ``*`` any run, ``?`` one character."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.strip())
    return re.compile(body, re.IGNORECASE | re.DOTALL)


def _covers_reference(pattern: object, action: object) -> bool:
    """``covers_every_resource`` as it reads without any shortcut: every format of the
    action, each filled with the stand-in names, matched by a compiled expression."""
    if not isinstance(pattern, str) or not isinstance(action, str):
        return False
    text = pattern.strip()
    if text and set(text) == {"*"}:
        return True
    formats = actions.arn_formats(action)
    if formats is None:
        formats = ("arn:${Partition}:${Service}:${Region}:${Account}:${Name}",)
    names = ("\x01", "\x01/\x01:\x01-\x01.\x01")

    def fill(arn_format: str, name: str) -> str:
        return re.sub(r"\$\{[^}]*\}", lambda _: name, arn_format)

    def covers(arn_format: str) -> bool:
        fields = text.split(":", 5)
        if len(fields) < 6:
            return all(_compiled(text).fullmatch(fill(arn_format, n)) for n in names)
        parts = arn_format.split(":", 5)
        if len(parts) < 6 or not re.search(r"\$\{[^}]*\}", parts[5]):
            return False
        if not _compiled(fields[2]).fullmatch(parts[2]):
            return False
        return all(_compiled(fields[5]).fullmatch(fill(parts[5], n)) for n in names)

    return any(covers(f) for f in formats)


@cache
def _granted() -> tuple[str, ...]:
    """Actions with many different ARN formats: every action of two services, one unknown."""
    return (
        *sorted(actions.expand("s3:*"))[:60],
        *sorted(actions.expand("iam:*"))[:30],
        "dynamodb:GetItem",
        "nosuch:Action",
    )


_FIELD = st.sampled_from(
    ["*", "?", "s3", "S3", "iam", "dynamodb", "", "aws", "123456789012", "\x02", "kMs", "é"]
)
_RESOURCE = st.lists(
    st.sampled_from(["*", "?", "/", ":", "-", ".", "bucket", "role", "table", "Ké", "\x02", "7"]),
    max_size=6,
).map("".join)
_PATTERN = st.one_of(
    st.builds(
        lambda service, account, resource: f"arn:aws:{service}::{account}:{resource}",
        _FIELD,
        _FIELD,
        _RESOURCE,
    ),
    _RESOURCE,
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(_PATTERN)
def test_covers_every_resource_of_agrees_with_the_plain_computation(pattern):
    granted = _granted()
    expected = [_covers_reference(pattern, action) for action in granted]
    assert actions.covers_every_resource_of(pattern, granted) == expected
    assert [actions.covers_every_resource(pattern, a) for a in granted] == expected


@pytest.mark.parametrize(
    "pattern",
    [
        "arn:aws:s3:::*",
        "arn:aws:s3:::*/*",
        "arn:aws:s3:::bucket-7/*",
        "arn:\x02:s3:::\x02/*",
        "ARN:AWS:S3:::*",
        "arn:aws:iam::123456789012:role/*",
        "arn:aws:iam::*:*",
        "arn:*",
        "*:*",
        "arn:aws:s3:::K*",  # KELVIN SIGN: ignoring case, it is a "k"
    ],
)
def test_covers_every_resource_of_known_patterns(pattern):
    granted = _granted()
    expected = [_covers_reference(pattern, action) for action in granted]
    assert actions.covers_every_resource_of(pattern, granted) == expected


# -- memoized -------------------------------------------------------------------------------------
def test_memoized_caches_strings_tokens_and_texts():
    calls = []

    @memoized()
    def f(values, flag):
        calls.append(values)
        return (values, flag)

    key = ("s3:*", Token("ref", "Bucket"), Text(("arn:", Token("pseudo", "AWS::Partition"))))
    assert f(key, True) == (key, True)
    assert f(key, True) == (key, True)
    assert len(calls) == 1


def test_memoized_computes_what_it_cannot_tell_apart():
    calls = []

    @memoized()
    def f(values):
        calls.append(values)
        return [type(v).__name__ for v in values]

    assert f((1,)) == ["int"]
    assert f((True,)) == ["bool"]  # (1,) == (True,) as a key: not cached
    assert f(({"Ref": "X"},)) == ["dict"]  # unhashable: computed
    assert f(({"Ref": "X"},)) == ["dict"]
    assert len(calls) == 4


def test_memoized_lets_the_function_s_own_type_error_through():
    @memoized()
    def f(value):
        raise TypeError("from the function")

    with pytest.raises(TypeError, match="from the function"):
        f("x")


# -- the evaluator: literal parts shared, not copied ----------------------------------------------
def test_a_literal_subtree_is_the_template_s_own_object_and_the_rest_is_evaluated():
    document = {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"]}]}
    props = {
        "PolicyDocument": document,
        "Roles": [{"Ref": "Role"}],
        "Gone": {"Ref": "AWS::NoValue"},
        "Kept": [1, {"Ref": "AWS::NoValue"}, "a"],
    }
    value = Evaluator(resources={"Role": {}}).evaluate(props)
    assert value["PolicyDocument"] is document
    assert value == {
        "PolicyDocument": document,
        "Roles": [Token("ref", "Role")],
        "Kept": [1, "a"],
    }
    assert props["Roles"] == [{"Ref": "Role"}]  # the template is not modified


def test_an_evaluated_value_holding_no_value_drops_it():
    evaluator = Evaluator(resources={})
    assert evaluator.evaluate({"A": NO_VALUE, "B": [NO_VALUE, "x"]}) == {"B": ["x"]}


def test_equal_tokens_of_a_template_are_one_object():
    evaluator = Evaluator(resources={"Table": {}})
    first = evaluator.evaluate({"Fn::GetAtt": ["Table", "Arn"]})
    second = evaluator.evaluate({"Fn::Sub": "${Table.Arn}"})
    assert first == Token("getatt", "Table", "Arn")
    assert second is first


# -- the collector paused -------------------------------------------------------------------------
def test_collector_paused_restores_the_collector():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_collector_paused_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_remediation_records_as_json_text_are_read_and_bounded():
    """The Aspect writes a stack's records as one JSON text; a text that is not a JSON list, or
    nests deeper than a document may, holds no record (and never raises)."""
    from guardrails.model.assembly import _json_list
    from guardrails.model.files import MAX_DEPTH

    records = [{"rule": "GR-OBS-01", "construct_path": "S/Fn/Resource"}]
    assert _json_list(json.dumps(records)) == records
    assert _json_list(records) is records  # the older forms pass through
    assert _json_list("not json") == []
    assert _json_list('{"rule": "GR-OBS-01"}') == []
    assert _json_list("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)) == []
    assert _json_list("[" * 100_000 + "]" * 100_000) == []  # the parser's own limit
