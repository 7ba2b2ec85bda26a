"""Property-based tests of the fail-closed contract of ``guardrails scan``, on any input.

Why: the tool is a security gate. For whatever template or cloud assembly it is handed, right
or crafted, it must either print a complete report whose last line is the verdict (exit 0 or 1;
``PASSED`` only when nothing was left unchecked) or fail with exit 2: one ``guardrails: error:``
line, or a report whose verdict says ``FAILED ... INCOMPLETE``. It must never crash, print a
traceback, hang on a FIFO, let a control character forge the output, write JSON, SARIF or JUnit
that a parser rejects, read outside the assembly, or echo a planted secret unmasked. Example
tests pin the cases someone thought of; these generate thousands more (``tests/strategies``
says how), and ``strategies.check_contract`` is the contract they check.

Every example runs the real command line in-process (``cli.main``), in a thread with a
timeout. Settings are fixed (``derandomize=True``, no example database) so CI runs the same
cases every time and nothing is written into the repository. Shrinking is off by default, so a
failing run stays quick and prints the example as generated; set ``GUARDRAILS_PROPERTY_SHRINK=1``
to minimise it, ``GUARDRAILS_PROPERTY_RANDOM=1`` to draw new cases, and
``GUARDRAILS_PROPERTY_SCALE=<n>`` to run n times as many.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk import aws_lambda as lambda_
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from tests import strategies as s
from tests.conftest import ENV, synth

# Hypothesis caches what it learns (Unicode tables, constants of the code under test) in a
# ``.hypothesis`` folder of the current directory even without an example database: keep it
# out of the repository.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "lambda-guardrails-hypothesis")

TODAY = "2026-11-27"
HANDLER = Path(__file__).parent / "fixtures" / "handler"
SEEDS = sorted(
    p
    for p in (Path(__file__).parent / "templates").glob("*/*")
    if p.suffix in (".json", ".yaml", ".yml")
)
SCALE = float(os.environ.get("GUARDRAILS_PROPERTY_SCALE", "1"))
PHASES = (
    tuple(Phase)
    if os.environ.get("GUARDRAILS_PROPERTY_SHRINK")
    else (Phase.explicit, Phase.reuse, Phase.generate)
)


def fuzz(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The settings of every property here: reproducible, nothing stored, no deadline (a scan
    of a crafted input may be slow once; the thread timeout is what bounds it)."""
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        derandomize=not os.environ.get("GUARDRAILS_PROPERTY_RANDOM"),
        database=None,
        phases=PHASES,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def drawn(data: st.DataObject, strategy: st.SearchStrategy[Any], label: str) -> Any:
    """A drawn document the case may damage in place: a copy (its own sharing kept), so that
    no damage reaches what a strategy hands out again (a constant it holds, the next example's
    draw), which would make the next draws depend on this one."""
    return copy.deepcopy(data.draw(strategy, label=label))


@contextmanager
def case_folder(base: Path) -> Iterator[Path]:
    """A fresh folder for one example, with ``outside/secret.py`` in it: a credential beside
    the input that the scan must never read."""
    folder = Path(tempfile.mkdtemp(dir=base))
    try:
        (folder / "outside").mkdir()
        (folder / "outside" / "secret.py").write_text(f'PASSWORD = "{s.SECRET}"\n')
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def never(folder: Path) -> tuple[str, ...]:
    """What no output may hold: the planted secret, and the path of the folder outside the
    input (a relative ``outside/...`` may be echoed: inside the input it names nothing)."""
    return (s.SECRET, str(folder / "outside"))


@st.composite
def options(draw: st.DrawFn) -> tuple[list[str], bool]:
    """Format, fail-on level and, rarely, ``--allow-incomplete``."""
    argv = ["--today", TODAY, "--format", draw(st.sampled_from(["text", "json", "sarif", "junit"]))]
    fail_on = draw(st.sampled_from([None, None, "none", "low", "critical"]))
    if fail_on:
        argv += ["--fail-on", fail_on]
    allow = draw(s.one_in(8))
    if allow:
        argv.append("--allow-incomplete")
    return argv, allow


def file_names(usual: str, suffix: str) -> st.SearchStrategy[str]:
    """The usual name of an input, or one that could forge output when printed: control
    characters, a line of its own, a verdict, bidi overrides (never ``/`` or NUL, which no
    file name holds; never ``outside``, which the checks look for)."""
    odd = s.odd_text(surrogates=False, max_size=8).map(
        lambda t: t.replace("/", "_").replace("\x00", "_")
    )
    verdicts = st.sampled_from(["", "PASSED", "\nPASSED"])
    return st.one_of(
        st.just(usual),
        st.just(usual),
        st.sampled_from(["t.template.json", "t.yaml", "t", ".json"]),
        st.builds(lambda a, b: f"{a}{b}{suffix}", verdicts, odd),
    ).filter(lambda n: n not in ("", ".", "..") and "outside" not in n)


def scan(data: st.DataObject, path: Path, folder: Path) -> s.Run:
    """Scan ``path`` with drawn options and check the contract."""
    argv, allow = data.draw(options(), label="options")
    run = s.run_cli(["scan", str(path), *argv])
    functions = re.search(r"(\d+) functions? scanned", run.out) if run.fmt == "text" else None
    event(f"exit {run.code}, {'report' if run.out else 'error line'}")
    if functions:
        event(f"functions scanned: {min(int(functions.group(1)), 3)}")
    s.check_contract(run, never=never(folder), allow_incomplete=allow)
    return run


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("properties")


# -- 1. single templates -------------------------------------------------------------------------
def place_deep(data: st.DataObject, doc: Any) -> tuple[int, str] | None:
    """Maybe put the deep-value marker somewhere in ``doc``; the depth and kind to write."""
    if not data.draw(s.one_in(4), label="deep?"):
        return None
    holes = s.containers(doc)
    node = holes[data.draw(st.integers(0, len(holes) - 1), label="deep at")]
    if isinstance(node, dict):
        keys = ["Deep", *node][:6]
        node[data.draw(st.sampled_from(keys), label="deep key")] = s.DEEP
    else:
        node.append(s.DEEP)
    depth = data.draw(
        st.sampled_from([3, 60, 90, 94, 95, 96, 97, 98, 99, 100, 101, 110, 150, 400, 3000]),
        label="depth",
    )
    kind = data.draw(st.sampled_from(["list", "dict", "join", "if", "bigint"]), label="kind")
    return depth, kind


def deep_text(depth: int, kind: str, *, yaml: bool) -> str:
    if kind == "bigint":
        return "9" * (depth * 3)  # over 4,300 digits from depth 1500 on
    return s.deep_yaml(depth, kind) if yaml else s.deep_json(depth, kind)


def share_parts(data: st.DataObject, doc: Any) -> None:
    """Make some parts of a YAML document the same object, so the dumper writes anchors and
    aliases; now and then one that contains itself."""
    for _ in range(data.draw(st.integers(0, 3), label="aliases")):
        holes = s.containers(doc)
        source = holes[data.draw(st.integers(0, len(holes) - 1), label="alias of")]
        target = holes[data.draw(st.integers(0, len(holes) - 1), label="alias in")]
        if isinstance(target, dict):
            target[data.draw(st.sampled_from(["Shared", "Properties", "Variables", "Tags"]))] = (
                source
            )
        else:
            target.append(source)


@fuzz(500)
@given(data=st.data())
def test_any_json_template_keeps_the_contract(base: Path, data: st.DataObject) -> None:
    doc = drawn(data, s.templates(), "template")
    deep = place_deep(data, doc)
    with case_folder(base) as folder:
        name = data.draw(file_names("t.json", ".json"), label="file name")
        path = folder / "case" / name
        path.parent.mkdir()
        text = s.to_json(doc, None if deep is None else deep_text(*deep, yaml=False))
        if data.draw(s.one_in(10), label="bom"):
            text = " \n\ufeff" + text if data.draw(st.booleans()) else "\ufeff" + text
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        scan(data, path, folder)


@fuzz(450)
@given(data=st.data())
def test_any_yaml_template_keeps_the_contract(base: Path, data: st.DataObject) -> None:
    doc = drawn(data, s.templates(), "template")
    deep = place_deep(data, doc)
    share_parts(data, doc)
    tags = data.draw(st.booleans(), label="short tags")
    with case_folder(base) as folder:
        path = folder / "case" / data.draw(st.sampled_from(["t.yaml", "t.yml", "t.json"]))
        path.parent.mkdir()
        text = s.to_yaml(doc, tags=tags, deep=None if deep is None else deep_text(*deep, yaml=True))
        path.write_text(text, encoding="utf-8")
        scan(data, path, folder)


@fuzz(200)
@given(data=st.data())
def test_hand_written_yaml_with_anchors_and_tags(base: Path, data: st.DataObject) -> None:
    skeleton = data.draw(st.sampled_from(s.YAML_SKELETONS), label="skeleton")
    value = st.one_of(s.scalars(), s.odd_text())
    text = skeleton.format(
        secret=json.dumps(s.SECRET),
        runtime=s.yaml_scalar(data.draw(st.sampled_from(s.WORDS[4:10]))),
        value=s.yaml_scalar(data.draw(value, label="value")),
        value2=s.yaml_scalar(data.draw(value, label="value2")),
        value3=s.yaml_scalar(data.draw(value, label="value3")),
        path=s.yaml_scalar(data.draw(st.sampled_from(["/", "/a", "", "../outside"]))),
        action=s.yaml_scalar(data.draw(st.sampled_from(s.WORDS), label="action")),
        number=s.yaml_scalar(data.draw(s.numbers(), label="number")),
    )
    with case_folder(base) as folder:
        path = folder / "case" / "t.yaml"
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        scan(data, path, folder)


@fuzz(250)
@given(data=st.data())
def test_damaged_real_templates(base: Path, data: st.DataObject) -> None:
    """The repository's example templates, cut, spliced and sprinkled with odd characters."""
    seed = data.draw(st.sampled_from(SEEDS), label="seed")
    text = seed.read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        at = data.draw(st.integers(0, len(text)), label="at")
        edit = data.draw(st.sampled_from(["cut", "drop", "insert", "dup", "replace-value"]))
        if edit == "cut":
            text = text[:at]
        elif edit == "drop":
            text = text[:at] + text[at + data.draw(st.integers(1, 40)) :]
        elif edit == "insert":
            text = text[:at] + data.draw(s.odd_text(surrogates=False)) + text[at:]
        elif edit == "dup":
            text = text[:at] + text[at : at + 200] + text[at:]
        else:
            token = data.draw(st.sampled_from(['"Fn"', "!Ref", "Properties", ": "]))
            text = text.replace(token, data.draw(st.sampled_from(["[", "{", '"\\udc80"', "*a"])), 1)
    with case_folder(base) as folder:
        path = folder / "case" / seed.name
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        if (seed.parent / "assets").is_dir():  # the code assets some templates name
            shutil.copytree(seed.parent / "assets", path.parent / "assets")
        scan(data, path, folder)


# -- 2. cloud assemblies --------------------------------------------------------------------------
STACK = "App"
NESTED_TEMPLATE = "AppNestedF179E212.nested.template.json"
STAGED = "StageStaged404F06F7"
ACK = "aws:cdk:acknowledged-rules"
#: the staged code asset: its name is the hash of ``tests/fixtures/handler``
ASSET = "asset.bac1cade7945a51216e189464501b87cb8a5a1b3894bb8880973df880e4f8963"


@pytest.fixture(scope="module")
def pristine(base: Path) -> Path:
    """One real synthesized assembly: a stack with a function whose code is a staged asset
    (with the planted secret as an environment value, an alias and an acknowledgement), a
    nested stack, and a stage (a nested cloud assembly) whose stack shares the asset."""

    def build(app: cdk.App) -> None:
        stack = cdk.Stack(app, STACK, env=ENV)
        fn = lambda_.Function(
            stack,
            "Fn",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_asset(str(HANDLER)),
            environment={"DB_PASSWORD": s.SECRET},
        )
        fn.add_alias("live")
        cdk.Validations.of(fn).acknowledge(
            cdk.Acknowledgment(id="lambda-guardrails::GR-OBS-01", reason="traced elsewhere")
        )
        nested = cdk.NestedStack(stack, "Nested")
        lambda_.Function(
            nested,
            "Inner",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"),
        )
        stage = cdk.Stage(app, "Stage", env=ENV)
        staged = cdk.Stack(stage, "Staged")
        lambda_.Function(
            staged,
            "StagedFn",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_asset(str(HANDLER)),
        )

    outdir = base / "pristine" / "cdk.out"
    synth(build, outdir)
    names = sorted(p.name for p in outdir.iterdir())
    assert NESTED_TEMPLATE in names and ASSET in names, names
    return outdir


@contextmanager
def assembly_case(base: Path, pristine: Path, name: str = "cdk.out") -> Iterator[tuple[Path, Path]]:
    """A fresh copy of the assembly to damage (in a folder called ``name``), and the
    example's folder around it."""
    with case_folder(base) as folder:
        target = folder / name
        shutil.copytree(pristine, target, symlinks=True)
        yield folder, target


def asset_dir(assembly: Path) -> Path:
    """The staged code asset (a folder in the pristine assembly; maybe damaged by now)."""
    return assembly / ASSET


def read(path: Path) -> Any:
    """A JSON file of the copy, or None when an earlier damage left something else there
    (the test itself must not block on a FIFO or read ``/dev/zero``)."""
    if path.is_symlink() or not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def write(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc), encoding="utf-8", errors="surrogatepass")


def odd_paths(folder: Path) -> st.SearchStrategy[Any]:
    """Paths an assembly could name: missing, absolute, climbing out, into itself, odd."""
    asset = ASSET
    return st.one_of(
        st.sampled_from(
            [
                "",
                ".",
                "./",
                "..",
                "/",
                "../outside",
                "../outside/secret.py",
                "outside/secret.py",
                "/etc/passwd",
                "/dev/zero",
                "/proc/self/environ",
                str(folder / "outside"),
                str(folder / "outside" / "secret.py"),
                "manifest.json",
                f"{STACK}.template.json",
                f"{STACK}.assets.json",
                f"{STACK}.metadata.json",
                NESTED_TEMPLATE,
                "tree.json",
                "cdk.out",
                "assembly-Stage",
                "assembly-Stage/..",
                "assembly-Stage/manifest.json",
                "assembly-Stage/../../outside",
                asset,
                f"{asset}/index.py",
                f"../{asset}",
                "missing.json",
                "a\x00b",
                "x" * 5000,
                "\u202e.json",
                "link-out",
                "zero-link",
            ]
        ),
        s.values(leaves=3),
    )


def links(folder: Path, assembly: Path) -> None:
    """Links the odd paths can name: one out of the assembly, one to ``/dev/zero``."""
    (assembly / "link-out").symlink_to(folder / "outside" / "secret.py")
    (assembly / "zero-link").symlink_to("/dev/zero")


def json_paths(doc: Any, skip: Callable[[tuple[Any, ...]], bool] = lambda p: False) -> list[tuple]:
    """Every place in ``doc`` as a tuple of keys (``()`` is the whole document)."""
    out: list[tuple[Any, ...]] = []
    todo: list[tuple[tuple[Any, ...], Any]] = [((), doc)]
    while todo:
        path, node = todo.pop()
        if skip(path):
            continue
        out.append(path)
        if isinstance(node, dict):
            todo.extend(((*path, k), v) for k, v in node.items())
        elif isinstance(node, list):
            todo.extend(((*path, i), v) for i, v in enumerate(node))
    return sorted(out, key=lambda p: (len(p), [str(k) for k in p]))


def damage_json(
    data: st.DataObject,
    doc: Any,
    junk: st.SearchStrategy[Any],
    label: str,
    skip: Callable[[tuple[Any, ...]], bool] = lambda p: False,
) -> Any:
    """Replace, delete or wrap the value at one drawn place of ``doc``; the new document."""
    paths = json_paths(doc, skip)
    path = data.draw(st.sampled_from(paths), label=f"{label}: place")
    action = data.draw(
        st.sampled_from(["replace", "replace", "delete", "wrap", "emptied"]), label=f"{label}: how"
    )
    if not path:
        return data.draw(junk, label=f"{label}: whole") if action != "wrap" else [doc]
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if action == "delete":
        del parent[key]
    elif action == "wrap":
        parent[key] = [parent[key]]
    elif action == "emptied":
        parent[key] = {} if isinstance(parent[key], list) else []
    else:
        parent[key] = data.draw(junk, label=f"{label}: value")
    return doc


def _feature_flags(path: tuple[Any, ...]) -> bool:
    return len(path) > 3 and path[2] == "properties" and "feature-flag" in str(path[1])


def damage_manifest(data: st.DataObject, folder: Path, assembly: Path) -> None:
    """``manifest.json`` (or the stage's): wrong types, missing keys, odd paths, loops."""
    target = assembly / data.draw(
        st.sampled_from(["manifest.json", "manifest.json", "assembly-Stage/manifest.json"]),
        label="manifest",
    )
    doc = read(target)
    if doc is None:
        return
    paths = odd_paths(folder)
    how = data.draw(
        st.sampled_from(["path", "path", "nested", "retype", "rename", "anywhere", "anywhere"]),
        label="manifest damage",
    )
    artifacts = doc.get("artifacts") if isinstance(doc, dict) else None
    if not isinstance(artifacts, dict) or not artifacts or how == "anywhere":
        junk = s.values(leaves=4) | paths
        write(target, damage_json(data, doc, junk, "manifest", _feature_flags))
        return
    artifact_id = data.draw(st.sampled_from(sorted(artifacts)), label="artifact")
    artifact = artifacts[artifact_id]
    if how == "nested":
        name = data.draw(st.sampled_from(["Loop", "assembly-Stage", "Other"]), label="nested id")
        directory = st.sampled_from(
            [".", "..", "assembly-Stage", "../assembly-Stage", "./assembly-Stage/"]
        )
        artifacts[name] = {
            "type": "cdk:cloud-assembly",
            "properties": {"directoryName": data.draw(directory | paths, label="directoryName")},
        }
    elif not isinstance(artifact, dict):
        artifacts[artifact_id] = data.draw(paths, label="artifact")
    elif how == "rename":  # a stack name is printed: it must not forge a line or a verdict
        forged = st.sampled_from(["PASSED", "FAILED: x", "a\nPASSED: ok", "\x1b[2J", "\u202e"])
        names = st.builds(lambda a, b: a + b, forged, s.odd_text(max_size=4))
        if data.draw(st.booleans(), label="displayName"):
            artifact["displayName"] = data.draw(names | s.values(leaves=2), label="displayName")
        else:
            artifacts[data.draw(names, label="artifact id")] = artifacts.pop(artifact_id)
    elif how == "path":
        key = data.draw(
            st.sampled_from(["templateFile", "directoryName", "file", "additionalMetadataFile"]),
            label="key",
        )
        value = data.draw(paths, label="path value")
        if key == "additionalMetadataFile":
            artifact[key] = value
        elif isinstance(artifact.get("properties", {}), dict):
            artifact.setdefault("properties", {})[key] = value
    else:
        artifact["type"] = data.draw(
            st.sampled_from(
                [
                    "aws:cloudformation:stack",
                    "cdk:cloud-assembly",
                    "cdk:asset-manifest",
                    "cdk:tree",
                    "x",
                ]
            ),
            label="type",
        )
    write(target, doc)


def damage_asset_manifest(data: st.DataObject, folder: Path, assembly: Path) -> None:
    """An asset manifest: odd source paths and packagings, wrong shapes anywhere."""
    target = assembly / data.draw(
        st.sampled_from([f"{STACK}.assets.json", f"assembly-Stage/{STAGED}.assets.json"]),
        label="asset manifest",
    )
    doc = read(target)
    if doc is None:
        return
    paths = odd_paths(folder)
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, dict):
        files = {}
    entries = sorted(k for k, v in files.items() if isinstance(v, dict))
    source_path = data.draw(st.booleans(), label="source path")
    if entries and source_path:
        entry = files[data.draw(st.sampled_from(entries), label="asset")]
        source = entry.setdefault("source", {})
        if isinstance(source, dict):
            source["path"] = data.draw(paths, label="source/path")
            if data.draw(st.booleans()):
                packaging = st.sampled_from(["zip", "file", "tar"]) | s.values(leaves=2)
                source["packaging"] = data.draw(packaging, label="packaging")
    else:
        doc = damage_json(data, doc, s.values(leaves=4) | paths, "assets")
    write(target, doc)


def metadata_entries(data: st.DataObject, folder: Path, *, secret: bool = False) -> list[Any]:
    """Metadata entries of every kind the model reads, with odd data; reasons and changes
    carry control characters (and, with ``secret``, the planted secret)."""
    kind = data.draw(
        st.sampled_from(
            [
                "aws:cdk:templateFile",
                "aws:cdk:logicalId",
                "aws:cdk:acknowledged-rules",
                "lambda-guardrails:remediation",
                "aws:cdk:warning",
            ]
        ),
        label="entry type",
    )
    word = st.just(s.SECRET) if secret else st.sampled_from(["traced elsewhere", "PASSED"])
    reason = (
        st.builds(
            lambda a, w, b: f"{a}{w}{b}", s.odd_text(max_size=4), word, s.odd_text(max_size=4)
        )
        | word
        | s.odd_text()
    )
    if kind == "aws:cdk:templateFile":
        value: Any = data.draw(odd_paths(folder), label="templateFile")
    elif kind == "aws:cdk:logicalId":
        ids = st.sampled_from(["Fn9270CBC0", "FnAliaslive17DB7803", "Missing"]) | s.odd_text()
        value = data.draw(ids, label="logicalId")
    elif kind == "aws:cdk:acknowledged-rules":
        rule = st.sampled_from(
            [
                "lambda-guardrails::GR-SEC-01",
                "lambda-guardrails::GR-OBS-02",
                "lambda-guardrails::GR-NOPE-01",
            ]
        )
        acks = st.dictionaries(
            rule | s.odd_text(max_size=4), reason | s.values(leaves=2), max_size=3
        )
        value = data.draw(acks | s.values(leaves=3), label="acknowledgement")
    elif kind == "lambda-guardrails:remediation":
        change = s.shaped(
            {
                "rule": st.sampled_from(["GR-OBS-01", "GR-SEC-01", "GR-NOPE"]),
                "property": st.sampled_from(["TracingConfig.Mode", ""]) | s.odd_text(),
                "before": reason | s.values(leaves=3),
                "after": reason | s.values(leaves=3),
            }
        )
        value = data.draw(
            change
            | st.lists(change, max_size=2)
            | st.lists(change, max_size=2).map(json.dumps)  # the Aspect's form: JSON text
            | s.odd_text(),
            label="remediation",
        )
    else:
        value = drawn(data, s.values(leaves=3), "data")
    return [{"type": kind, "data": value}]


def damage_metadata(
    data: st.DataObject, folder: Path, assembly: Path, *, secret: bool = False
) -> None:
    """``<stack>.metadata.json``, or the metadata written inline in the stage's manifest."""
    inline = data.draw(s.one_in(4), label="inline")
    target = assembly / ("assembly-Stage/manifest.json" if inline else f"{STACK}.metadata.json")
    doc = read(target)
    artifact: dict[str, Any] | None = None
    if inline:
        artifacts = doc.get("artifacts") if isinstance(doc, dict) else None
        artifact = artifacts.get(STAGED) if isinstance(artifacts, dict) else None
        if not isinstance(artifact, dict):
            return
        metadata = artifact.get("metadata", {})
    else:
        metadata = doc
    if metadata is None:
        return
    how = data.draw(st.sampled_from(["add", "add", "add", "anywhere", "whole"]), label="how")
    if secret and isinstance(metadata, dict):  # a reason and a change on the function itself
        before, after = data.draw(st.tuples(s.odd_text(max_size=3), s.odd_text(max_size=3)))
        planted = before + s.SECRET + after
        change = {"rule": "GR-OBS-01", "property": "TracingConfig.Mode", "before": planted}
        metadata.setdefault("/Stage/Staged/StagedFn" if inline else "/App/Fn", []).extend(
            [
                {"type": ACK, "data": {"lambda-guardrails::GR-OBS-02": planted}},
                {"type": "lambda-guardrails:remediation", "data": {**change, "after": "Active"}},
            ]
        )
    if secret or (how == "add" and isinstance(metadata, dict)):
        for _ in range(data.draw(st.integers(1, 3), label="entries")):
            paths = st.sampled_from(
                [
                    "/App",
                    "/App/Fn",
                    "/App/Fn/Resource",
                    "/App/Nested",
                    "/Stage/Staged/StagedFn",
                    "/App/Fn/Aliaslive",
                    "/",
                ]
            )
            path = data.draw(paths | s.odd_text(), label="construct path")
            entries = metadata.setdefault(path, [])
            if isinstance(entries, list):
                entries.extend(metadata_entries(data, folder, secret=secret))
    elif how == "whole":
        metadata = drawn(data, s.values(leaves=4), "metadata")
    else:
        metadata = damage_json(data, metadata, s.values(leaves=4), "metadata")
    if artifact is not None:
        artifact["metadata"] = metadata
        write(target, doc)
    else:
        write(target, metadata)


def damage_template(
    data: st.DataObject, folder: Path, assembly: Path, *, secret: bool = False
) -> None:
    """A stack's or the nested stack's template: replaced by a generated one, one value
    changed (or, with ``secret``, the planted secret put into odd places); maybe nested deep
    somewhere."""
    target = assembly / data.draw(
        st.sampled_from(
            [
                f"{STACK}.template.json",
                NESTED_TEMPLATE,
                f"assembly-Stage/{STAGED}.template.json",
            ]
        ),
        label="template",
    )
    doc = read(target)
    if doc is None:
        return
    how = data.draw(st.sampled_from(["generated", "anywhere", "anywhere"]), label="how")
    if secret:
        plant_in_named_places(doc)
        s.plant_secret(data.draw, doc)
    elif how == "generated":
        doc = drawn(data, s.templates(), "generated template")
    else:
        doc = damage_json(data, doc, s.values(leaves=5), "template")
    deep = place_deep(data, doc) if isinstance(doc, (dict, list)) else None
    if data.draw(s.one_in(4), label="as YAML"):  # the model reads a YAML template file too
        tags = data.draw(st.booleans(), label="short tags")
        text = s.to_yaml(doc, tags=tags, deep=None if deep is None else deep_text(*deep, yaml=True))
    else:
        text = s.to_json(doc, None if deep is None else deep_text(*deep, yaml=False))
    target.write_text(text, encoding="utf-8")


def plant_in_named_places(doc: Any) -> None:
    """The planted secret where the contract names it: a parameter default, a function's tag
    key and value, description and environment value, an alias name (each where the shape
    around it allows)."""
    if not isinstance(doc, dict):
        return
    parameters = doc.setdefault("Parameters", {})
    if isinstance(parameters, dict):
        parameters["Planted"] = {"Type": "String", "Default": s.SECRET}
    resources = doc.get("Resources")
    for resource in resources.values() if isinstance(resources, dict) else ():
        props = resource.get("Properties") if isinstance(resource, dict) else None
        if not isinstance(props, dict):
            continue
        if resource.get("Type") in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            props["Description"] = s.SECRET
            tags = props.setdefault("Tags", [])
            if isinstance(tags, list):
                tags.append({"Key": s.SECRET, "Value": s.SECRET})
            elif isinstance(tags, dict):
                tags[s.SECRET] = s.SECRET
            env = props.setdefault("Environment", {})
            variables = env.setdefault("Variables", {}) if isinstance(env, dict) else None
            if isinstance(variables, dict):
                variables["API_KEY"] = s.SECRET
        elif resource.get("Type") == "AWS::Lambda::Alias":
            props["Name"] = s.SECRET


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def damage_asset(data: st.DataObject, folder: Path, assembly: Path) -> None:
    """The staged code asset: gone, a file, a FIFO, a link out, or odd files inside it."""
    asset = asset_dir(assembly)
    if asset.is_symlink() or not asset.is_dir():
        return  # an earlier damage replaced it already
    outside = folder / "outside"
    how = data.draw(
        st.sampled_from(
            [
                "remove",
                "file",
                "zip",
                "bad-zip",
                "fifo",
                "link-out",
                "link-file-out",
                "dev-zero",
                "link-loop",
                "secret-inside",
                "odd-name",
                "fifo-inside",
                "link-inside",
                "deep-tree",
                "dev-inside",
            ]
        ),
        label="asset damage",
    )
    planted = f'PASSWORD = "{s.SECRET}"\n'
    if how in (
        "remove",
        "file",
        "zip",
        "bad-zip",
        "fifo",
        "link-out",
        "link-file-out",
        "dev-zero",
        "link-loop",
    ):
        shutil.rmtree(asset)
    if how == "remove":
        return
    if how == "file":
        asset.write_text(planted)
    elif how == "zip":
        asset.write_bytes(_zip({"index.py": planted, "../evil.py": planted, "/abs.py": planted}))
    elif how == "bad-zip":
        asset.write_bytes(_zip({"index.py": planted})[: data.draw(st.integers(0, 120))])
    elif how == "fifo":
        os.mkfifo(asset)
    elif how == "link-out":
        asset.symlink_to(outside, target_is_directory=True)
    elif how == "link-file-out":
        asset.symlink_to(outside / "secret.py")
    elif how == "dev-zero":
        asset.symlink_to("/dev/zero")
    elif how == "link-loop":
        asset.symlink_to(asset.name)
    elif how == "secret-inside":
        (asset / "config.py").write_text(planted)
    elif how == "odd-name":
        name = data.draw(s.odd_text(surrogates=False, max_size=6), label="file name")
        name = name.replace("/", "_").replace("\x00", "_") or "_"
        if name not in (".", ".."):
            (asset / (name + "_odd.py")).write_text(planted)
    elif how == "fifo-inside" and not (asset / "pipe.py").exists():  # a second damage: once
        os.mkfifo(asset / "pipe.py")
    elif how == "link-inside" and not (asset / "up").is_symlink():
        (asset / "settings.py").symlink_to(outside / "secret.py")
        (asset / "up").symlink_to(outside, target_is_directory=True)
    elif how == "deep-tree":
        deep = asset
        for _ in range(data.draw(st.integers(1, 60), label="levels")):
            deep = deep / "d"
        deep.mkdir(parents=True, exist_ok=True)
        (deep / "config.py").write_text(planted)
    elif how == "dev-inside" and not (asset / "zero.py").is_symlink():
        (asset / "zero.py").symlink_to("/dev/zero")


def replace_file(data: st.DataObject, folder: Path, assembly: Path) -> None:
    """One file of the assembly replaced by something that is not the file it should be."""
    target = assembly / data.draw(
        st.sampled_from(
            [
                "manifest.json",
                f"{STACK}.template.json",
                f"{STACK}.assets.json",
                f"{STACK}.metadata.json",
                NESTED_TEMPLATE,
                "assembly-Stage/manifest.json",
            ]
        ),
        label="file",
    )
    what = data.draw(
        st.sampled_from(
            [
                "fifo",
                "dev-zero",
                "link-out",
                "directory",
                "empty",
                "not-utf8",
                "bom",
                "bigint",
                "deep",
                "list",
                "nan",
                "duplicate-keys",
                "missing",
                "yaml",
            ]
        ),
        label="replaced by",
    )
    if target.is_symlink() or not target.is_file():
        return  # an earlier damage replaced it already
    text = target.read_text(encoding="utf-8", errors="replace")
    target.unlink()
    if what == "fifo":
        os.mkfifo(target)
    elif what == "dev-zero":
        target.symlink_to("/dev/zero")
    elif what == "link-out":
        target.symlink_to(folder / "outside" / "secret.py")
    elif what == "directory":
        target.mkdir()
    elif what == "empty":
        target.write_text("")
    elif what == "not-utf8":
        target.write_bytes(b"\xff\xfe{" + text.encode()[:50])
    elif what == "bom":
        target.write_text("\ufeff" + text, encoding="utf-8")
    elif what == "bigint":
        target.write_text(text.replace("{", '{"Big": ' + "9" * 5000 + ",", 1))
    elif what == "deep":
        depth = data.draw(st.sampled_from([99, 100, 101, 150, 5000]), label="depth")
        target.write_text(text.replace("{", '{"Deep": ' + s.deep_json(depth, "list") + ",", 1))
    elif what == "list":
        target.write_text("[" + text + "]")
    elif what == "nan":
        target.write_text(text.replace("{", '{"NaN": NaN, "Inf": -Infinity,', 1))
    elif what == "duplicate-keys":
        target.write_text(text.replace("{", '{"Resources": 1, "artifacts": 2, "files": 3,', 1))
    elif what == "yaml":
        target.write_text("Resources: {}\n" + text)


ASSEMBLY_DAMAGE = {
    "manifest": damage_manifest,
    "asset manifest": damage_asset_manifest,
    "metadata": damage_metadata,
    "template": damage_template,
    "asset": damage_asset,
    "file": replace_file,
}


def scan_damaged(base: Path, pristine: Path, data: st.DataObject, damages: list[str]) -> None:
    name = data.draw(file_names("cdk.out", ""), label="assembly folder")
    with assembly_case(base, pristine, name) as (folder, assembly):
        links(folder, assembly)
        for damage in damages:
            ASSEMBLY_DAMAGE[damage](data, folder, assembly)
        scan(data, assembly, folder)


def test_the_pristine_assembly_is_a_complete_report(base: Path, pristine: Path) -> None:
    """Every damage below starts from an assembly that scans in full, secret masked."""
    with assembly_case(base, pristine) as (folder, assembly):
        run = s.run_cli(["scan", str(assembly), "--today", TODAY])
        s.check_contract(run, never=never(folder))
        assert run.code == 1 and "3 functions" in run.out, run
        assert "hu****(24 chars)" in run.out and "ACKNOWLEDGED" in run.out, run


@fuzz(250)
@given(data=st.data())
def test_a_damaged_manifest_keeps_the_contract(base, pristine, data) -> None:
    scan_damaged(base, pristine, data, ["manifest"])


@fuzz(150)
@given(data=st.data())
def test_a_damaged_asset_manifest_keeps_the_contract(base, pristine, data) -> None:
    scan_damaged(base, pristine, data, ["asset manifest"])


@fuzz(200)
@given(data=st.data())
def test_damaged_metadata_keeps_the_contract(base, pristine, data) -> None:
    scan_damaged(base, pristine, data, ["metadata"])


@fuzz(200)
@given(data=st.data())
def test_a_damaged_template_in_an_assembly_keeps_the_contract(base, pristine, data) -> None:
    scan_damaged(base, pristine, data, ["template"])


@fuzz(150)
@given(data=st.data())
def test_a_damaged_asset_keeps_the_contract(base, pristine, data) -> None:
    scan_damaged(base, pristine, data, ["asset"])


@fuzz(100)
@given(data=st.data())
def test_a_replaced_file_keeps_the_contract(base, pristine, data) -> None:
    scan_damaged(base, pristine, data, ["file"])


@fuzz(150)
@given(data=st.data())
def test_several_damages_keep_the_contract(base, pristine, data) -> None:
    damages = data.draw(
        st.lists(st.sampled_from(sorted(ASSEMBLY_DAMAGE)), min_size=2, max_size=4),
        label="damages",
    )
    scan_damaged(base, pristine, data, damages)


# -- 3. the planted secret, wherever it is put ----------------------------------------------------
@fuzz(300)
@given(data=st.data())
def test_a_planted_secret_never_prints_from_a_template(base: Path, data: st.DataObject) -> None:
    """The secret as a parameter default, alias name, tag key, description, and in a few
    random values (names, ARNs, zones, log group names...): only ever masked."""
    doc = drawn(data, s.templates(), "template")
    if data.draw(st.booleans(), label="named places"):
        plant_in_named_places(doc)
    s.plant_secret(data.draw, doc)
    with case_folder(base) as folder:
        path = folder / "case" / "t.json"
        path.parent.mkdir()
        if data.draw(st.booleans(), label="yaml"):
            path.write_text(s.to_yaml(doc, tags=data.draw(st.booleans())), encoding="utf-8")
        else:
            path.write_text(s.to_json(doc), encoding="utf-8")
        scan(data, path, folder)


@fuzz(150)
@given(data=st.data())
def test_a_planted_secret_never_prints_from_an_assembly(
    base: Path, pristine: Path, data: st.DataObject
) -> None:
    """The secret as an acknowledgement's reason, in the hardening Aspect's change log, and in
    the templates' values: only ever masked."""
    with assembly_case(base, pristine) as (folder, assembly):
        if data.draw(st.booleans(), label="in metadata"):
            damage_metadata(data, folder, assembly, secret=True)
        else:
            damage_template(data, folder, assembly, secret=True)
        scan(data, assembly, folder)


# -- 4. the smallest inputs that broke the contract once -----------------------------------------
#: Found by the properties above and reduced by hand: each is one distinct way the contract was
#: broken. They run in every format, so a fix is checked where it was found, whatever the
#: generators draw next.
_S = s.SECRET
CRAFTED_TEMPLATES = {
    "sam-policy-with-a-number-key.yaml": (
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Policies: [{1: x}]\n"
    ),
    "sam-globals-with-a-number-key.yaml": (
        "Transform: AWS::Serverless-2016-10-31\n"
        "Globals:\n  Function:\n    Environment: {Variables: {1: x}}\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Environment: {Variables: {A: b}}\n"
    ),
    "condition-with-a-number-key.yaml": (
        "Conditions:\n  C: {Fn::Equals: [{1: 2}, x]}\n"
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Condition: C\n"
    ),
    "unterminated-quote.yaml": 'Resources: "abc\n',
    "secret-as-zone-id.json": json.dumps(
        {
            "Resources": {
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {"VpcConfig": {"SubnetIds": [{"Ref": "Subnet"}]}},
                },
                "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"AvailabilityZoneId": _S}},
            }
        }
    ),
    "secret-as-function-name.json": json.dumps(
        {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": _S}}}}
    ),
    "secret-as-tracing-mode.json": json.dumps(
        {
            "Resources": {
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {"TracingConfig": {"Mode": _S}},
                }
            }
        }
    ),
    "secret-as-log-format.json": json.dumps(
        {
            "Resources": {
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {"LoggingConfig": {"LogFormat": _S}},
                }
            }
        }
    ),
    "secret-as-log-group-name.json": json.dumps(
        {
            "Resources": {
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {"LoggingConfig": {"LogGroup": {"Ref": "Logs"}}},
                },
                "Logs": {
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": {"LogGroupName": _S, "RetentionInDays": 3},
                },
            }
        }
    ),
    "secret-as-alarm-metric.json": json.dumps(
        {
            "Resources": {
                "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
                "Alarm": {
                    "Type": "AWS::CloudWatch::Alarm",
                    "Properties": {
                        "Namespace": "AWS/Lambda",
                        "MetricName": _S,
                        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "Fn"}}],
                    },
                },
            }
        }
    ),
    "secret-as-image-tag.json": json.dumps(
        {
            "Resources": {
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "PackageType": "Image",
                        "Code": {
                            "ImageUri": f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/a:{_S}"
                        },
                    },
                }
            }
        }
    ),
    "secret-as-trusted-service.json": json.dumps(
        {
            "Resources": {
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}},
                },
                "Role": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "AssumeRolePolicyDocument": {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "sts:AssumeRole",
                                    "Principal": {"Service": _S},
                                }
                            ]
                        }
                    },
                },
            }
        }
    ),
}


@pytest.mark.parametrize("name", sorted(CRAFTED_TEMPLATES))
def test_crafted_templates_keep_the_contract(base: Path, name: str) -> None:
    with case_folder(base) as folder:
        path = folder / "case" / name
        path.parent.mkdir()
        path.write_text(CRAFTED_TEMPLATES[name], encoding="utf-8")
        for fmt in ("text", "json", "sarif", "junit"):
            run = s.run_cli(["scan", str(path), "--today", TODAY, "--format", fmt])
            s.check_contract(run, never=never(folder))


def _ack_reason(assembly: Path) -> None:
    metadata = read(assembly / f"{STACK}.metadata.json")
    metadata["/App/Fn"][0]["data"]["lambda-guardrails::GR-OBS-01"] = _S
    write(assembly / f"{STACK}.metadata.json", metadata)


def _change_log(assembly: Path) -> None:
    metadata = read(assembly / f"{STACK}.metadata.json")
    change = {"rule": "GR-OBS-01", "property": "TracingConfig.Mode", "before": _S, "after": "x"}
    metadata["/App/Fn/Resource"].append({"type": "lambda-guardrails:remediation", "data": change})
    write(assembly / f"{STACK}.metadata.json", metadata)


def _yaml_export_name(assembly: Path) -> None:
    template = read(assembly / f"{STACK}.template.json")
    template["Outputs"] = {"O": {"Value": "x", "Export": {"Name": {1: 2}}}}
    (assembly / f"{STACK}.template.json").write_text(yaml.safe_dump(template))


def _two_byte_order_marks(assembly: Path) -> None:
    text = (assembly / "manifest.json").read_text(encoding="utf-8")
    (assembly / "manifest.json").write_text("\ufeff\ufeff" + text, encoding="utf-8")


CRAFTED_ASSEMBLIES = {
    "secret-as-acknowledgement-reason": _ack_reason,
    "secret-in-the-change-log": _change_log,
    "yaml-template-with-a-number-key-export": _yaml_export_name,
    "manifest-with-two-byte-order-marks": _two_byte_order_marks,
}


@pytest.mark.parametrize("name", sorted(CRAFTED_ASSEMBLIES))
def test_crafted_assemblies_keep_the_contract(base: Path, pristine: Path, name: str) -> None:
    with assembly_case(base, pristine) as (folder, assembly):
        CRAFTED_ASSEMBLIES[name](assembly)
        for fmt in ("text", "json", "sarif", "junit"):
            run = s.run_cli(["scan", str(assembly), "--today", TODAY, "--format", fmt])
            s.check_contract(run, never=never(folder))


# -- 5. bounded work: a small input never makes a long scan -------------------------------------
def amplified(size: int, count: int, how: str, where: str) -> str:
    """A template of about ``size`` bytes whose one long value is used ``count`` times: through
    ``Fn::FindInMap`` in a ``Fn::Join`` or a ``Fn::Sub``, or as a YAML alias. Evaluated, the
    value is ``size * count`` characters."""
    value = {
        "join": {"Fn::Join": ["", [{"Fn::FindInMap": ["M", "K", "V"]}] * count]},
        "sub": {"Fn::Sub": ["${x}" * count, {"x": {"Fn::FindInMap": ["M", "K", "V"]}}]},
        "alias": {"Fn::Join": ["", ["ALIAS"] * count]},
    }[how]
    props: dict[str, Any] = {"Runtime": "python3.13", "Handler": "index.handler"}
    if where == "Environment":
        props["Environment"] = {"Variables": {"DB_PASSWORD": value}}
    elif where == "Tags":
        props["Tags"] = [{"Key": "k", "Value": value}]
    else:
        props["Description"] = value
    doc = {
        "Mappings": {"M": {"K": {"V": "a" * size}}},
        "Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": props}},
    }
    if how != "alias":
        return json.dumps(doc)
    del doc["Mappings"]
    text = yaml.safe_dump(doc, width=1 << 30)
    return "Shared: &s " + "a" * size + "\n" + text.replace("ALIAS", "*s")


@fuzz(12)
@example(size=100_000, count=400, how="join", where="Environment")
@given(
    size=st.sampled_from([1_000, 20_000, 100_000]),
    count=st.sampled_from([10, 100, 400]),
    how=st.sampled_from(["join", "sub", "alias"]),
    where=st.sampled_from(["Environment", "Tags", "Description"]),
)
def test_a_value_used_many_times_stays_bounded(
    base: Path, size: int, count: int, how: str, where: str
) -> None:
    """A template of at most ~100 KB must be scanned in seconds (a real CDK template of that
    size takes well under one), whatever it makes the evaluator build: a gate that a small
    file can keep busy for minutes, or make allocate gigabytes, is one an attacker can stall.

    Last in the module on purpose: a scan that overruns its timeout cannot be stopped (it is a
    thread), so it finishes in the background while pytest winds down."""
    with case_folder(base) as folder:
        path = folder / "case" / ("t.yaml" if how == "alias" else "t.json")
        path.parent.mkdir()
        path.write_text(amplified(size, count, how, where), encoding="utf-8")
        run = s.run_cli(["scan", str(path), "--today", TODAY], timeout=15)
        s.check_contract(run, never=never(folder))
