"""Fail closed: what the scan could not read is an error, an error is never a PASS, and a
crafted assembly can neither hang the scan, exhaust its memory nor make it read outside itself.

Every case runs the real command line (``guardrails.cli.main``) on a real synthesized cloud
assembly, copied and then damaged the way an attacker or an unlucky user would.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from guardrails import cli
from guardrails.model import files
from tests.conftest import ENV, synth

SECRET = "hunter2-Very-Secret-Passw0rd!"
HANDLER = Path(__file__).parent / "fixtures" / "handler"


@pytest.fixture(scope="module")
def pristine(module_tmp: Path) -> Path:
    """One stack, one function with a code asset (a directory staged in the assembly)."""

    def build(app: cdk.App) -> None:
        stack = cdk.Stack(app, "App", env=ENV)
        lambda_.Function(
            stack,
            "Fn",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_asset(str(HANDLER)),
        )

    outdir = module_tmp / "cdk.out"
    synth(build, outdir)
    return outdir


@pytest.fixture
def assembly(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the assembly to damage."""
    target = tmp_path / "cdk.out"
    shutil.copytree(pristine, target, symlinks=True)
    return target


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, timeout: float = 60
) -> tuple[int, str, str]:
    """The CLI in a thread: a case that blocks (a FIFO) fails the test instead of hanging it."""
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(cli.main(list(argv))), daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"guardrails {' '.join(argv)} did not finish in {timeout} s"
    out, err = capsys.readouterr()
    return result[0], out, err


def assert_exit_2_one_line(code: int, out: str, err: str, *fragments: str) -> None:
    assert code == 2, (code, out, err)
    assert err.startswith("guardrails: error: "), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err and "unexpected" not in err
    assert "PASSED" not in out + err
    assert SECRET not in out + err
    for fragment in fragments:
        assert fragment in err, err


def manifest(assembly: Path) -> dict:
    return json.loads((assembly / "manifest.json").read_text())


def write_manifest(assembly: Path, doc: object) -> None:
    (assembly / "manifest.json").write_text(json.dumps(doc))


def stack_artifact(doc: dict) -> dict:
    return next(a for a in doc["artifacts"].values() if a["type"] == "aws:cloudformation:stack")


def template(assembly: Path) -> Path:
    return assembly / "App.template.json"


def asset_manifest(assembly: Path) -> Path:
    return assembly / "App.assets.json"


def edit_json(path: Path, change: Callable[[dict], None]) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def function_resource(doc: dict) -> dict:
    return next(r for r in doc["Resources"].values() if r["Type"] == "AWS::Lambda::Function")


# -- the pristine assembly passes, so every failure below is the damage's -----------------------
def test_the_undamaged_assembly_scans(capsys, assembly):
    code, out, err = run(capsys, "scan", str(assembly), "--fail-on", "none")
    assert code == 0, err
    assert "1 function" in out and "PASSED" in out


# -- a template the model cannot build hides nothing ---------------------------------------------
def nest(depth: int, leaf: object) -> object:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [150, 600, 100_000])
def test_deep_nesting_in_a_function_is_an_error_not_a_pass(capsys, assembly, depth):
    def damage(doc: dict) -> None:
        fn = function_resource(doc)["Properties"]
        fn["Environment"] = {"Variables": {"DB_PASSWORD": SECRET}}
        fn["Tags"] = nest(depth, {"Key": "a", "Value": "b"})

    text = template(assembly).read_text()
    doc = json.loads(text)
    damage(doc)
    # json.dumps itself recurses: write the deepest case by hand
    tags = "[" * depth + '{"Key": "a", "Value": "b"}' + "]" * depth
    function_resource(doc)["Properties"]["Tags"] = "@TAGS@"
    template(assembly).write_text(json.dumps(doc).replace('"@TAGS@"', tags))
    code, out, err = run(capsys, "scan", str(assembly))
    assert_exit_2_one_line(code, out, err, "App.template.json")


@pytest.mark.parametrize("where", ["Condition", "LogGroup", "Alarm", "Mapping"])
def test_deep_nesting_anywhere_is_an_error(capsys, assembly, where):
    def damage(doc: dict) -> None:
        deep = nest(300, "x")
        if where == "Condition":
            doc.setdefault("Conditions", {})["Deep"] = {"Fn::Equals": [deep, "x"]}
        elif where == "LogGroup":
            doc["Resources"]["Logs"] = {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": {"Fn::Join": ["", deep]}},
            }
        elif where == "Alarm":
            doc["Resources"]["Alarm"] = {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {"Dimensions": deep},
            }
        else:
            doc["Mappings"] = {"M": {"K": {"V": deep}}}

    edit_json(template(assembly), damage)
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "nested more than")


def test_a_rule_that_fails_makes_the_scan_fail_unless_allowed(capsys, assembly, monkeypatch):
    from guardrails.rules import base

    def broken(fn, ctx):
        raise RuntimeError(SECRET)
        yield  # pragma: no cover

    rule = base.registry()["GR-OBS-01"]
    monkeypatch.setitem(
        base.registry(), "GR-OBS-01", rule.__class__(**{**vars(rule), "check": broken})
    )
    code, out, err = run(capsys, "scan", str(assembly), "--fail-on", "none")
    assert code == 2
    assert "GR-OBS-01" in out and "INCOMPLETE" in out and SECRET not in out + err
    assert not any(line.startswith("PASSED") for line in out.splitlines())
    code, out, err = run(capsys, "scan", str(assembly), "--fail-on", "none", "--allow-incomplete")
    assert code == 0 and "INCOMPLETE" in out


def test_json_report_lists_the_errors(capsys, assembly, monkeypatch):
    shutil.rmtree(next(assembly.glob("asset.*")))
    code, out, _ = run(capsys, "scan", str(assembly), "--format", "json")
    assert code == 2
    doc = json.loads(out)
    assert doc["errors"] and all("could not" in e for e in doc["errors"])
    assert list(doc) == ["tool", "findings", "summary", "errors"]


# -- silent gaps -------------------------------------------------------------------------------
def test_a_missing_asset_is_an_error(capsys, assembly):
    shutil.rmtree(next(assembly.glob("asset.*")))
    code, out, _ = run(capsys, "scan", str(assembly), "--fail-on", "none")
    assert code == 2, out
    assert "GR-SEC-04 could not fully check" in out
    assert "FAILED" in out.splitlines()[-1]


def test_an_asset_that_is_a_fifo_is_an_error_and_does_not_block(capsys, assembly):
    asset = next(assembly.glob("asset.*"))
    shutil.rmtree(asset)
    os.mkfifo(asset)
    code, out, _ = run(capsys, "scan", str(assembly), "--fail-on", "none")
    assert code == 2 and "could not" in out


def test_special_files_inside_an_asset_are_reported_not_read(capsys, assembly):
    asset = next(assembly.glob("asset.*"))
    os.mkfifo(asset / "pipe")
    code, out, _ = run(capsys, "scan", str(assembly), "--fail-on", "none")
    assert code == 2 and "pipe" in out


@pytest.mark.parametrize("doc", [[], {}, {"version": "1"}, "manifest", 3])
def test_a_manifest_of_the_wrong_shape_is_an_error(capsys, assembly, doc):
    if doc == {"version": "1"}:  # a valid, empty assembly: zero functions, and that is fine
        write_manifest(assembly, doc)
        code, out, _ = run(capsys, "scan", str(assembly))
        assert code == 0 and "0 functions" in out
        return
    write_manifest(assembly, doc)
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "manifest.json")


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        (lambda m: m.__setitem__("artifacts", []), "artifacts"),
        (lambda m: stack_artifact(m)["properties"].pop("templateFile"), "templateFile"),
        (lambda m: stack_artifact(m)["properties"].__setitem__("templateFile", 7), "templateFile"),
        (lambda m: stack_artifact(m).__setitem__("properties", []), "properties"),
        (lambda m: stack_artifact(m).__setitem__("metadata", []), "metadata"),
        (
            lambda m: stack_artifact(m).__setitem__("metadata", {"/App": {"type": "x"}}),
            "metadata",
        ),
    ],
)
def test_wrong_shapes_in_the_manifest_are_one_line_errors(capsys, assembly, damage, fragment):
    edit_json(assembly / "manifest.json", damage)
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), fragment)


@pytest.mark.parametrize(
    ("section", "value"), [("Conditions", []), ("Parameters", "x"), ("Resources", [])]
)
def test_template_sections_of_the_wrong_type(capsys, assembly, section, value):
    edit_json(template(assembly), lambda d: d.__setitem__(section, value))
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), section)


def test_a_number_too_long_to_read(capsys, assembly):
    text = template(assembly).read_text()
    template(assembly).write_text(
        text.replace('"Resources"', '"Big": ' + "9" * 5000 + ', "Resources"', 1)
    )
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "number longer than 4,300 digits")


# -- bounded work: nothing blocks, nothing reads for ever --------------------------------------
def test_a_fifo_manifest_does_not_block(capsys, assembly):
    (assembly / "manifest.json").unlink()
    os.mkfifo(assembly / "manifest.json")
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "FIFO")


def test_a_fifo_template_does_not_block(capsys, assembly, tmp_path):
    template(assembly).unlink()
    os.mkfifo(template(assembly))
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "FIFO")
    fifo = tmp_path / "alone.yaml"
    os.mkfifo(fifo)
    assert_exit_2_one_line(*run(capsys, "scan", str(fifo)), "FIFO")


def test_a_dev_zero_template_is_refused(capsys, assembly, tmp_path):
    template(assembly).unlink()
    template(assembly).symlink_to("/dev/zero")
    # the template is also a file asset: the asset manifest's entry is refused first
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "outside the cloud assembly")
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    assert_exit_2_one_line(*run(capsys, "scan", str(link)), "device")


def test_a_template_over_the_size_cap_is_refused(capsys, tmp_path):
    big = tmp_path / "big.json"
    with big.open("w") as f:
        f.write('{"Resources": {}, "Description": "')
        f.write("x" * (files.MAX_TEMPLATE_BYTES + 10))
        f.write('"}')
    assert_exit_2_one_line(*run(capsys, "scan", str(big)), "larger than")


BILLION_LAUGHS = """
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Tags: *i
"""

MERGE_BOMB = (
    "a0: &a0 {k0: v}\n"
    + "".join(f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}], k{i}: v}}\n" for i in range(1, 40))
    + "Resources: {}\n"
)


def test_a_billion_laughs_is_refused_quickly(capsys, tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS)
    assert_exit_2_one_line(*run(capsys, "scan", str(path), timeout=20), "aliases")


def test_merge_keys_of_merge_keys_stay_bounded(capsys, tmp_path):
    path = tmp_path / "merges.yaml"
    path.write_text(MERGE_BOMB)
    code, out, _ = run(capsys, "scan", str(path), timeout=20)
    assert code == 0 and "0 functions" in out


def test_a_yaml_alias_that_contains_itself(capsys, tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("Resources:\n  Fn: &fn\n    Type: AWS::SNS::Topic\n    Properties: {P: *fn}\n")
    code, out, err = run(capsys, "scan", str(path))
    assert_exit_2_one_line(code, out, err, "loop.yaml")


def test_a_nested_assembly_that_names_itself(capsys, assembly):
    def damage(doc: dict) -> None:
        doc["artifacts"]["Loop"] = {
            "type": "cdk:cloud-assembly",
            "properties": {"directoryName": "."},
        }

    edit_json(assembly / "manifest.json", damage)
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "loop")


# -- confinement: nothing outside the assembly is read ------------------------------------------
@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the assembly with a credential in it: never to be read."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "config.py").write_text(f'PASSWORD = "{SECRET}"\n')
    return folder


def set_asset_path(assembly: Path, value: str) -> None:
    def damage(doc: dict) -> None:
        for asset in doc["files"].values():
            if asset["source"].get("packaging") == "zip":
                asset["source"]["path"] = value

    edit_json(asset_manifest(assembly), damage)


def test_an_absolute_asset_path_is_refused(capsys, assembly, outside):
    set_asset_path(assembly, str(outside))
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "source/path", "outside")


def test_an_asset_path_that_climbs_out_is_refused(capsys, assembly, outside):
    set_asset_path(assembly, "../outside")
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "outside the cloud assembly")


def test_a_linked_asset_folder_pointing_out_is_refused(capsys, assembly, outside):
    asset = next(assembly.glob("asset.*"))
    shutil.rmtree(asset)
    asset.symlink_to(outside, target_is_directory=True)
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "outside the cloud assembly")


def test_an_absolute_template_file_is_refused(capsys, assembly, outside):
    (outside / "x.template.json").write_text(template(assembly).read_text())
    edit_json(
        assembly / "manifest.json",
        lambda m: stack_artifact(m)["properties"].__setitem__(
            "templateFile", str(outside / "x.template.json")
        ),
    )
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "templateFile")


def test_an_absolute_nested_template_in_metadata_is_refused(capsys, assembly, outside):
    (outside / "nested.json").write_text('{"Resources": {}}')

    def damage(doc: dict) -> None:
        metadata = stack_artifact(doc).setdefault("metadata", {})
        metadata["/App/Nested"] = [
            {"type": "aws:cdk:templateFile", "data": str(outside / "nested.json")}
        ]

    edit_json(assembly / "manifest.json", damage)
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "templateFile")


def test_a_linked_template_pointing_out_is_refused(capsys, assembly, outside):
    (outside / "t.json").write_text(template(assembly).read_text())
    template(assembly).unlink()
    template(assembly).symlink_to(outside / "t.json")
    assert_exit_2_one_line(*run(capsys, "scan", str(assembly)), "outside the cloud assembly")


# -- errors never echo what they found -------------------------------------------------------------
def test_debug_mode_still_exits_2(capsys, assembly, monkeypatch):
    from guardrails.report import text

    def broken(report):
        raise ValueError(SECRET)

    monkeypatch.setattr(text, "render", broken)
    monkeypatch.setitem(__import__("guardrails.report").report.WRITERS, "text", broken)
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    code = cli.main(["scan", str(assembly)])
    _, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" in err  # asked for, for a bug report


# -- clean output: what the input says cannot forge or break a report -----------------------------
HOSTILE = "Evil\x1b[2J\x1b]0;title\x07\x00\r\nPASSED: no open finding\u2028\u202e\udc80"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_control_characters_in_a_template_never_reach_a_report_raw(capsys, tmp_path, fmt):
    doc = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Metadata": {"aws:cdk:path": f"Stack/{HOSTILE}/Resource"},
                "Properties": {
                    "FunctionName": HOSTILE,
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "Code": {"ZipFile": "def handler(e, c):\n    return 1\n"},
                    "Role": "arn:aws:iam::123456789012:role/r",
                    "Environment": {"Variables": {"DB_PASSWORD": SECRET, "NOTE": HOSTILE}},
                },
            }
        }
    }
    # json.dumps writes the lone surrogate as the escape "\udc80", as a crafted file would
    path = tmp_path / f"{HOSTILE[:4]}.json"
    path.write_text(json.dumps(doc))
    code, out, err = run(capsys, "scan", str(path), "--format", fmt)
    assert code == 1, err
    assert SECRET not in out
    out.encode("utf-8")  # no lone surrogate survives
    raw = [c for c in out if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
    assert not raw and "\u2028" not in out and "\u202e" not in out
    if fmt == "text":
        assert "Stack/Evil\\x1b[2J" in out  # shown, escaped
        assert [line for line in out.splitlines() if line.startswith(("PASSED", "FAILED"))] == [
            out.splitlines()[-1]
        ]
    elif fmt == "junit":
        import xml.dom.minidom
        import xml.etree.ElementTree as ET

        ET.fromstring(out)
        xml.dom.minidom.parseString(out.encode("utf-8"))
    else:
        doc_out = json.loads(out)
        if fmt == "json":  # the contract keeps the values faithful, JSON-escaped
            paths = {f["construct_path"] for f in doc_out["findings"]}
            assert f"Stack/{HOSTILE}/Resource" in paths
