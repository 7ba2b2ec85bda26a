"""``escape.clean`` and every writer on hostile strings: what a crafted template can put in a
stack name, a construct path, a logical id or a message must never reach a terminal, a CI log or
an XML parser as anything but visible text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import unicodedata
import xml.dom.minidom
import xml.etree.ElementTree as ET

import pytest

from guardrails.engine import Finding, Report
from guardrails.policy import Policy
from guardrails.report import FORMATS, json_report, junit, render, sarif, text
from guardrails.report.escape import clean, clean_finding
from tests.report.sample import OWNERS, PATHS, TRACING, finding, report, validate_sarif

#: what a crafted template can carry: terminal escapes (clear screen, set title), NUL, CR, LF with
#: a forged verdict, the Unicode line separator, a right-to-left override, a lone surrogate
#: (JSON "\udc80"), a C1 control, DEL, a BOM and a bidi isolate
HOSTILE = (
    "\x1b[2J",
    "\x1b]0;x\x07",
    "a\x00b",
    "c\rd",
    "\nPASSED: no open finding at or above high",
    "e\u2028f",
    "g\u202eh",
    "i\udc80j",
    "k\x85l\x9bm\x7f",
    "\ufeffn\u2066o",
)
#: each hostile string once, so every field is tried with every kind of character
JOINED = "".join(HOSTILE)

#: characters no writer may print (the text report's own line ends aside)
UNSAFE = {*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F)}
UNSAFE |= {*range(0x2066, 0x206A), 0xFEFF, 0xFFFE, 0xFFFF, *range(0xD800, 0xE000)}


def unsafe_in(output: str, allowed: str = "") -> list[str]:
    return [repr(c) for c in output if ord(c) in UNSAFE and c not in allowed]


# -- clean ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("\x1b]0;x\x07", "\\x1b]0;x\\x07"),
        ("\x00", "\\x00"),
        ("a\r\nb", "a\\r\\nb"),
        ("\t", "\\t"),
        ("\x7f\x80\x85\x9f", "\\x7f\\x80\\x85\\x9f"),
        ("\u2028\u2029", "\\u2028\\u2029"),
        ("\u202a\u202b\u202c\u202d\u202e", "\\u202a\\u202b\\u202c\\u202d\\u202e"),
        ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),
        ("\ufeff", "\\ufeff"),
        ("\udc80\ud800\udfff", "\\udc80\\ud800\\udfff"),
        ("\ufffe\uffff", "\\ufffe\\uffff"),
    ],
)
def test_clean_replaces_each_unsafe_character_with_a_visible_escape(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_clean_leaves_ordinary_text_alone_and_returns_it_as_is() -> None:
    plain = "OrdersStack/OrdersFn/Resource: s3:* on arn:aws:s3:::b/* é 日本 😀 <&>\"'"
    assert clean(plain) is plain  # nothing to replace: the same object, no copy
    assert clean("") == ""


def test_a_literal_backslash_stays_as_it_is() -> None:
    assert clean("C:\\path\\x1b") == "C:\\path\\x1b"
    assert clean("\\\x1b") == "\\\\x1b"


def test_clean_takes_non_strings_defensively() -> None:
    assert clean(42) == "42"  # type: ignore[arg-type]
    assert clean(None) == "None"  # type: ignore[arg-type]
    assert clean(b"\x1b") == "b'\\x1b'"  # type: ignore[arg-type]


def test_every_code_point_is_either_kept_or_escaped_to_printable_ascii() -> None:
    for code in range(0x110000):
        char = chr(code)
        shown = clean(char)
        if code in UNSAFE:
            assert shown.startswith("\\") and shown.isascii() and shown.isprintable(), hex(code)
        else:
            assert shown == char, hex(code)
            assert unicodedata.category(char) != "Cc", hex(code)


def test_clean_finding_cleans_what_is_printed_and_keeps_path_and_key() -> None:
    raw = dataclasses.replace(
        hostile_finding(), template_path="/t/\udc80.json", key="k\x1b", reason=None
    )
    shown = clean_finding(raw)
    for field in dataclasses.fields(Finding):
        value = getattr(shown, field.name)
        if field.name in ("template_path", "key"):
            assert value == getattr(raw, field.name)
        elif isinstance(value, str):
            assert not unsafe_in(value), field.name
    assert all(not unsafe_in(f) for f in shown.functions)
    assert shown.reason is None
    assert clean_finding(TRACING) == TRACING


# -- the writers on a hostile report ----------------------------------------------------------


def hostile_finding(**changes: object) -> Finding:
    base = finding(
        rule_id="GR-OBS-01" + HOSTILE[0],
        severity="high",
        title="Tracing" + JOINED,
        message="Allows s3:*" + JOINED,
        fix="fix" + HOSTILE[1],
        stack="Stack" + JOINED,
        logical_id="Fn" + JOINED,
        construct_path="Stack/Fn" + JOINED + "/Resource",
        functions=tuple(f"Fn{i}{h}" for i, h in enumerate(HOSTILE)),
        location="Properties/" + JOINED,
        reason="because" + JOINED,
        template_path="/work/app/cdk.out/S\x1b\n\udc80 %.template.json",
    )
    return dataclasses.replace(base, **changes)


def hostile_report(**changes: object) -> Report:
    findings = (
        hostile_finding(),
        hostile_finding(severity="medium", location="Properties/Other"),
        hostile_finding(status="acknowledged", location="Properties/Ack"),
        hostile_finding(status="exempted", location="Properties/Ex"),
        hostile_finding(status="baseline", reason=None, location="Properties/Base"),
        hostile_finding(status="remediated", location="Properties/Rem"),
        hostile_finding(stack="\nPASSED: no open finding at or above high", functions=()),
    )
    stack, function = findings[0].stack, findings[0].functions[0]
    return report(
        findings=findings,
        policy=Policy(fail_on="high", source="policy" + JOINED + ".yml"),
        errors=tuple(f"template {h} could not be read" for h in HOSTILE),
        notices=tuple(f"notice {h}" for h in HOSTILE),
        function_owners={
            **OWNERS,
            (stack, function): "framework",
            (stack, "Quiet" + JOINED): "user",
        },
        function_paths={**PATHS, (stack, function): "Stack/Fn" + JOINED},
        **changes,
    )


@pytest.mark.parametrize("allow", [False, True])
def test_text_prints_no_control_character_and_no_forged_verdict(allow: bool) -> None:
    hostile = hostile_report(allow_incomplete=allow)
    out = text.render(hostile)
    assert not unsafe_in(out, allowed="\n")
    out.encode("utf-8")  # no lone surrogate left to fail on
    lines = out.splitlines()
    assert out.split("\n")[:-1] == lines  # str.splitlines breaks at no character but "\n"
    verdicts = [line for line in lines if line.upper().startswith(("PASSED", "FAILED"))]
    assert verdicts == [lines[-1]]
    assert lines[-1].startswith(hostile.verdict)
    assert lines[-1] == (
        "FAILED: 2 open findings at or above high; INCOMPLETE: 10 errors"
        + (
            " allowed by --allow-incomplete"
            if allow
            else ": what could not be checked is never passed (see Errors above)"
        )
    )
    # what was there is still readable
    for shown in ("\\x1b[2J", "\\x1b]0;x\\x07", "\\x00", "\\r", "\\nPASSED: no open finding"):
        assert shown in out
    for shown in ("\\u2028", "\\u202e", "\\udc80", "\\x85", "\\x9b", "\\x7f", "\\ufeff"):
        assert shown in out
    assert "\\nPASSED: no open finding at or above high (not tied to one function)" in lines
    assert any(line.startswith("Stack\\x1b[2J") and "[created by the CDK" in line for line in lines)


def test_a_stack_named_like_a_verdict_does_not_start_a_line_with_it() -> None:
    named = finding(stack="PASSED", functions=("Fn",))
    out = text.render(report(findings=(named,), errors=(), function_paths={}, function_owners={}))
    assert "stack PASSED / Fn" in out.splitlines()
    assert [line for line in out.splitlines() if line.startswith(("PASSED", "FAILED"))] == [
        "PASSED: no open finding at or above high"
    ]


def parse_junit(out: str) -> ET.Element:
    root = ET.fromstring(out)
    assert ET.fromstring(out.encode("utf-8")).tag == "testsuites"  # as CI reads the file
    xml.dom.minidom.parseString(out.encode("utf-8"))
    xml.dom.minidom.parseString(out)
    return root


def test_junit_is_well_formed_and_keeps_the_text_visible() -> None:
    out = junit.render(hostile_report())
    assert not unsafe_in(out, allowed="\n")
    root = parse_junit(out)
    values = [v for e in root.iter() for v in (*e.attrib.values(), e.text or "", e.tail or "")]
    assert all(not unsafe_in(v, allowed="\n") for v in values)
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.get("message", "").startswith("high: Allows s3:*\\x1b[2J\\x1b]0;x\\x07a\\x00b")
    assert "\\nPASSED: no open finding" in failure.get("message", "")
    errors = root.findall(".//error")
    assert len(errors) == len(HOSTILE)
    assert {e.get("type") for e in errors} == {"NotChecked"}
    assert int(root.get("errors", "0")) == len(HOSTILE)
    assert any("\\udc80" in (e.text or "") for e in errors)


def test_sarif_validates_and_prints_no_control_character() -> None:
    hostile = hostile_report()
    out = sarif.render(hostile, base_dir="/work/app")
    out.encode("ascii")  # json.dumps escapes what is left
    doc = json.loads(out)
    validate_sarif(doc)
    run = doc["runs"][0]
    strings: list[str] = []
    _collect(doc, strings)
    assert all(not unsafe_in(s) for s in strings)
    result = run["results"][0]
    assert result["message"]["text"].startswith("Allows s3:*\\x1b[2J")
    assert result["locations"][0]["logicalLocations"][0]["name"].startswith("Fn\\x1b[2J")
    # the URI names the file on disk byte for byte, and stays a valid URI reference
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "cdk.out/S%1B%0A%80%20%25.template.json"
    assert run["invocations"][0]["executionSuccessful"] is False
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error"] * len(HOSTILE) + ["note"] * len(HOSTILE)
    assert notes[0]["message"]["text"] == "template \\x1b[2J could not be read"
    assert run["properties"]["verdict"] == "FAILED"


def test_sarif_uris_outside_the_base_dir_stay_valid(tmp_path: object) -> None:
    odd = finding(template_path="/elsewhere/a\x1b b\udc80\ud800.json")
    doc = sarif.to_sarif(report(findings=(odd,), errors=()), base_dir=str(tmp_path))
    validate_sarif(doc)
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"].startswith("file:///elsewhere/a%1B%20b")
    assert uri["uri"].isascii()


def test_sarif_fingerprints_of_ordinary_findings_do_not_change() -> None:
    doc = sarif.to_sarif(report(findings=(TRACING,)))
    fingerprint = doc["runs"][0]["results"][0]["partialFingerprints"]["guardrailsFinding/v1"]
    key = b"GR-OBS-01|OrdersStack|OrdersFn5E2A1B2C|Properties/TracingConfig"
    assert fingerprint == hashlib.sha256(key).hexdigest()


def test_json_report_reads_back_exactly_and_is_plain_ascii() -> None:
    hostile = hostile_report()
    out = json_report.render(hostile)
    out.encode("utf-8")
    assert out.isascii()  # ensure_ascii: control characters and surrogates as \\u escapes
    back = json.loads(out)
    assert back == json.loads(json.dumps(hostile.to_json()))
    assert back["findings"][0]["message"] == "Allows s3:*" + JOINED  # faithful, not cleaned
    assert back["errors"] == list(hostile.errors)
    assert "\\u001b[2J" in out and "\\udc80" in out and "\\u2028" in out


def _collect(node: object, into: list[str]) -> None:
    if isinstance(node, str):
        into.append(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            into.append(key)
            _collect(value, into)
    elif isinstance(node, list):
        for value in node:
            _collect(value, into)


# -- any input --------------------------------------------------------------------------------


def random_text(rng: random.Random) -> str:
    """A short string drawn mostly from the characters that break things, plus any code point."""
    pools = [
        lambda: chr(rng.randrange(0x00, 0x20)),
        lambda: chr(rng.randrange(0x7F, 0xA0)),
        lambda: chr(rng.randrange(0xD800, 0xE000)),
        lambda: rng.choice("\u2028\u2029\u202a\u202e\u2066\u2069\ufeff\ufffe\uffff<>&\"'\\ ]"),
        lambda: chr(rng.randrange(0x110000)),
        lambda: rng.choice(["PASSED", "FAILED", "\nPASSED: ", "]]>", "<!--", "&amp;", "%"]),
    ]
    return "".join(rng.choice(pools)() for _ in range(rng.randrange(0, 12)))


def test_every_writer_handles_any_input() -> None:
    rng = random.Random(20261127)
    for _ in range(150):
        findings = tuple(
            finding(
                title=random_text(rng),
                message=random_text(rng),
                fix=random_text(rng),
                stack=random_text(rng),
                logical_id=random_text(rng),
                construct_path=rng.choice([None, random_text(rng)]),
                functions=tuple(random_text(rng) for _ in range(rng.randrange(0, 3))),
                location=random_text(rng),
                status=rng.choice(["open", "acknowledged", "exempted", "baseline", "remediated"]),
                reason=rng.choice([None, random_text(rng)]),
                template_path=rng.choice(["", random_text(rng), "/abs/" + random_text(rng)]),
                key=random_text(rng),
            )
            for _ in range(rng.randrange(0, 4))
        )
        owners = {(f.stack, fn): "user" for f in findings for fn in f.functions}
        owners[(random_text(rng), random_text(rng))] = "framework"
        case = Report(
            findings=findings,
            functions=len(owners),
            policy=Policy(fail_on=rng.choice(["high", "none"]), source=random_text(rng)),
            errors=tuple(random_text(rng) for _ in range(rng.randrange(0, 3))),
            notices=tuple(random_text(rng) for _ in range(rng.randrange(0, 3))),
            function_owners=owners,
            function_paths={key: random_text(rng) for key in owners},
            allow_incomplete=rng.random() < 0.5,
        )
        out = text.render(case)
        assert not unsafe_in(out, allowed="\n")
        lines = out.splitlines()
        assert [line for line in lines if line.startswith(("PASSED", "FAILED"))] == [lines[-1]]
        assert lines[-1].startswith(case.verdict)
        assert ("INCOMPLETE" in lines[-1]) == case.incomplete
        parse_junit(junit.render(case))
        doc = json.loads(sarif.render(case, base_dir="/abs"))
        validate_sarif(doc)
        assert json.loads(json_report.render(case)) == json.loads(json.dumps(case.to_json()))
        for fmt in FORMATS:
            render(case, fmt).encode("utf-8")
