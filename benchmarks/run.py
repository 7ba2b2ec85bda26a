"""The benchmark runner: every measurement, with medians and targets, in one run.

    make bench                                  # full run: writes docs/benchmarks.md and the
                                                # README's Performance paragraph (~10 min)
    make bench-smoke                            # reduced run for CI (< 2 min), writes nothing
    python -m benchmarks.run --repeat 3         # fewer repetitions
    python -m benchmarks.run --smoke --output /tmp/bench.md

Each measurement runs in a fresh process (``benchmarks/measure.py``, the CLIs), so that jsii's
Node.js state and the peak RSS of one do not leak into the next; the repetitions of the synth
variants are interleaved, so that a drift of the machine spreads over all of them. Apps come
from ``benchmarks/apps.py``. Run it with the project's virtual environment (``.venv/bin``
first on PATH, for Node.js 24).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
DOC = ROOT / "docs" / "benchmarks.md"
README = ROOT / "README.md"
CHECKOV_VENV = HERE / ".venv-checkov"
CHECKOV_REQUIREMENTS = HERE / "requirements-checkov.txt"
README_START, README_END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"

SIZES, SMOKE_SIZES = (10, 100, 1000, 5000), (10, 100)
SYNTH, SMOKE_SYNTH = (720, 6), (60, 2)  # functions, stacks
#: the hardening is measured on the same functions in stacks with room for what it adds (a log
#: group and a policy per function): it adds nothing past CloudFormation's 500 resources
HARDEN_SYNTH, SMOKE_HARDEN_SYNTH = (720, 12), (60, 2)
#: the plugin against cdk-nag on smaller apps too (functions, stacks): what each costs is a
#: fixed part (cdk-nag's is larger) plus a part per resource (ours is larger: jsii marshals
#: every violating resource of the report), so the ratio depends on the app's size
PLUGIN_SIZES, SMOKE_PLUGIN_SIZES = ((10, 1), (60, 1), (240, 2)), ()
#: the code analysis (least privilege from the code): functions of the apps whose code is an
#: asset (one shared, one per function, one per function naming no SDK), and distinct handlers
#: of each language analysed for the per-handler cost
CODE_FUNCTIONS, SMOKE_CODE_FUNCTIONS = 200, 10
CODE_HANDLERS, SMOKE_CODE_HANDLERS = 200, 20
CODE_ASSETS = ("shared", "distinct", "no-sdk")
CODE_ASSET_TITLES = {
    "shared": "one folder for every function",
    "distinct": "a folder per function (a comment differs)",
    "no-sdk": "a folder per function, `boto3` renamed",
}
SYNTH_VARIANTS = ("bare", "plugin", "cdk-nag")
HARDEN_VARIANTS = ("bare", "plugin", "harden", "l1-floor")
VARIANTS = ("bare", "plugin", "cdk-nag", "harden", "l1-floor")
VARIANT_TITLES = {
    "bare": "bare `app.synth()`",
    "plugin": '`guardrails.protect(app, mode="audit")`',
    "cdk-nag": "cdk-nag `AwsSolutionsChecks` + `ServerlessChecks`",
    "harden": '`guardrails.protect(app, mode="audit", remediate="safe")`',
    "l1-floor": "L1 floor: the same edits by hand (log group + 2 properties per function)",
}
#: (what, comparison, target), in the order of ``targets``
TARGETS = (
    ("plugin synth overhead / cdk-nag overhead", "<=", 0.5),
    ("hardening cost per function (ms)", "<=", 3.0),
    ("hardening cost / L1 floor", "<=", 2.0),
    ("checkov time / `guardrails scan` time", ">=", 25.0),
)


# --- running the measurements ---------------------------------------------------------------


def child_env() -> dict[str, str]:
    """The environment of every child: the venv's bin (Node.js 24) first, CDK's own
    CloudFormation validation off."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["CDK_VALIDATION"] = "false"
    for name in ("CDK_OUTDIR", "CDK_CONTEXT_JSON"):  # the Makefile's, or the caller's app's
        env.pop(name, None)
    return env


def run_child(cmd: Sequence[str], log: Path, cwd: Path = ROOT) -> tuple[float, float, int]:
    """Run ``cmd`` to completion; its wall seconds, peak RSS in MB (``wait4``'s ru_maxrss: the
    child and the descendants it waited for) and exit code. Output goes to ``log``."""
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=child_env(), stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, code


def measure(args: list[str], work: Path, name: str) -> dict[str, Any]:
    """``python -m benchmarks.measure ARGS`` in a fresh process; its JSON result."""
    result, log = work / f"{name}.json", work / f"{name}.log"
    cmd = [sys.executable, "-m", "benchmarks.measure", *args, "--result", str(result)]
    seconds, rss, code = run_child(cmd, log)
    if code != 0 or not result.exists():
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise SystemExit(f"benchmark {name} failed (exit {code}):\n{tail}")
    data: dict[str, Any] = json.loads(result.read_text())
    data["wall_s"], data["rss_total_mb"] = seconds, rss
    return data


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_sizes(sizes: Sequence[int], repeat: int, work: Path) -> list[dict[str, Any]]:
    """At each N: synthesize the app once (its synth time and peak RSS), then scan the assembly
    ``repeat`` times (``json.loads`` floor, engine, peak RSS)."""
    rows = []
    for n in sizes:
        outdir = work / f"assembly-{n}"
        progress(f"synth {n} functions")
        synth = measure(["synth", "--functions", str(n), "--outdir", str(outdir)], work, f"s{n}")
        scans = []
        for r in range(repeat):
            progress(f"scan {n} functions ({r + 1}/{repeat})")
            scans.append(measure(["scan", str(outdir)], work, f"scan{n}-{r}"))
        rows.append({"functions": n, "synth": synth, "scans": scans})
        shutil.rmtree(outdir, ignore_errors=True)
    return rows


def run_synth(
    functions: int,
    stacks: int,
    repeat: int,
    work: Path,
    variants: Sequence[str] = SYNTH_VARIANTS,
    name: str = "synth",
    *,
    keep: bool = True,
) -> dict[str, Any]:
    """Each variant ``repeat`` times, interleaved. The first bare assembly is kept (for the CLI
    comparison), unless ``keep`` is False."""
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    for r in range(repeat):
        for variant in variants:
            progress(
                f"synth {functions} functions in {stacks} stacks, {variant} ({r + 1}/{repeat})"
            )
            outdir = work / f"{name}-{variant}-{r}"
            args = ["synth", "--functions", str(functions), "--stacks", str(stacks)]
            args += ["--variant", variant, "--outdir", str(outdir)]
            runs[variant].append(measure(args, work, f"{name}-{variant}-{r}"))
            if not keep or (variant, r) != ("bare", 0):
                shutil.rmtree(outdir, ignore_errors=True)
    return {
        "functions": functions,
        "stacks": stacks,
        "assembly": str(work / f"{name}-bare-0"),
        "runs": runs,
    }


def run_code(functions: int, handlers: int, repeat: int, work: Path) -> dict[str, Any]:
    """The analysis of the functions' own code: ``handlers`` distinct handlers of each language,
    ``repeat`` times; then the app of ``functions`` functions of each kind of code asset,
    synthesized once, scanned ``repeat`` times (the kinds interleaved)."""
    cold = []
    for r in range(repeat):
        progress(f"code analysis of {handlers} handlers per language ({r + 1}/{repeat})")
        cold.append(measure(["code-cold", "--handlers", str(handlers)], work, f"code-cold-{r}"))
    apps: dict[str, dict[str, Any]] = {}
    for assets in CODE_ASSETS:
        progress(f"synth {functions} functions with code assets: {assets}")
        outdir = work / f"code-{assets}"
        args = ["synth", "--functions", str(functions), "--assets", assets]
        synth = measure([*args, "--outdir", str(outdir)], work, f"code-synth-{assets}")
        apps[assets] = {"synth": synth, "scans": []}
    for r in range(repeat):
        for assets in CODE_ASSETS:
            progress(f"scan {functions} functions with code assets: {assets} ({r + 1}/{repeat})")
            scan = measure(["code-scan", str(work / f"code-{assets}")], work, f"code-{assets}-{r}")
            apps[assets]["scans"].append(scan)
    for assets in CODE_ASSETS:
        shutil.rmtree(work / f"code-{assets}", ignore_errors=True)
    return {"functions": functions, "handlers": handlers, "cold": cold, "apps": apps}


def checkov_executable() -> tuple[Path | None, str]:
    """checkov in its own venv (``benchmarks/.venv-checkov``), installed on first use from the
    pinned ``benchmarks/requirements-checkov.txt``; ``(None, why)`` when it cannot be."""
    exe = CHECKOV_VENV / "bin" / "checkov"
    wanted = pinned_version(CHECKOV_REQUIREMENTS.read_text(), "checkov")
    if exe.exists() and checkov_version(exe) == wanted:
        return exe, wanted
    progress(f"installing checkov {wanted} into {CHECKOV_VENV.relative_to(ROOT)}")
    pip = [str(CHECKOV_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    pip += ["--disable-pip-version-check", "--retries", "1", "--timeout", "20"]
    pip += ["-r", str(CHECKOV_REQUIREMENTS)]
    steps = ([sys.executable, "-m", "venv", "--clear", str(CHECKOV_VENV)], pip)
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            errors = [line for line in done.stderr.splitlines() if "ERROR" in line]
            return None, (errors or done.stderr.splitlines() or ["unknown error"])[-1].strip()
    if not exe.exists() or checkov_version(exe) != wanted:
        return None, f"checkov {wanted} did not install"
    return exe, wanted


def pinned_version(requirements: str, package: str) -> str:
    match = re.search(rf"^{re.escape(package)}==(\S+)", requirements, re.M)
    if not match:
        raise SystemExit(f"{package} is not pinned with == in the requirements")
    return match.group(1)


def checkov_version(exe: Path) -> str:
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def run_cli(assembly: str, repeat: int, work: Path) -> dict[str, Any]:
    """``guardrails scan`` and checkov, end to end (process start included), on the same
    assembly, in a folder without cdk.json (the CLI would read its context)."""
    guardrails = Path(sys.executable).parent / "guardrails"
    scan = [str(guardrails), "scan", assembly, "--format", "json", "--fail-on", "none"]
    scan.append("--allow-incomplete")
    result: dict[str, Any] = {"guardrails": [], "checkov": [], "skipped": None}
    for r in range(repeat):
        progress(f"guardrails scan ({r + 1}/{repeat})")
        seconds, rss, code = run_child(scan, work / f"cli-{r}.json", cwd=work)
        if code != 0:
            raise SystemExit(f"guardrails scan exited {code}: see {work / f'cli-{r}.json'}")
        result["guardrails"].append({"seconds": seconds, "rss_mb": rss})
    exe, why = checkov_executable()
    if exe is None:
        result["skipped"] = f"checkov could not be installed: {why}"
        progress(result["skipped"])
        return result
    result["checkov_version"] = why
    ck = [str(exe), "-d", assembly, "--framework", "cloudformation", "--quiet", "--compact"]
    ck += ["-o", "json", "--skip-download"]
    for r in range(repeat):
        progress(f"checkov ({r + 1}/{repeat})")
        seconds, rss, code = run_child(ck, work / f"checkov-{r}.json", cwd=work)
        if code not in (0, 1):  # 1: failed checks
            result["skipped"] = f"checkov exited {code}"
            result["checkov"] = []
            return result
        result["checkov"].append({"seconds": seconds, "rss_mb": rss})
    return result


def machine() -> dict[str, str]:
    cpuinfo = _read("/proc/cpuinfo")
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    node = _output(["node", "--version"])
    commit = _output(["git", "rev-parse", "--short", "HEAD"])
    return {
        "CPU": models[0] if models else platform.processor() or "?",
        "CPUs": str(len(models) or os.cpu_count()),
        "Memory": f"{int(meminfo.group(1)) / 1024**2:.1f} GiB" if meminfo else "?",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Node.js": node or "?",
        "aws-cdk-lib": _version("aws-cdk-lib"),
        "cdk-nag": _version("cdk-nag"),
        "lambda-guardrails": f"{_version('lambda-guardrails')} (commit {commit or '?'})",
        "Date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _output(cmd: list[str]) -> str:
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, env=child_env(), cwd=ROOT, check=False
        )
    except OSError:
        return ""
    return done.stdout.strip()


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


# --- the report (pure functions) ------------------------------------------------------------


def median(runs: Sequence[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def median_of(runs: Sequence[dict[str, Any]], key: str) -> float | None:
    """The median of ``key`` over the runs that measured it (None when none did)."""
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else None


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table; a column whose cells all start with a number (or are empty) is
    right-aligned."""

    def numeric(cell: object) -> bool:
        return bool(re.match(r"[-+]?\d|$", str(cell)))

    align = [
        "---:" if rows and all(numeric(row[i]) for row in rows) else "---"
        for i in range(len(headers))
    ]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(value: float | None, op: str, target: float) -> str:
    if value is None:
        return "n/a"
    return "PASS" if (value <= target if op == "<=" else value >= target) else "FAIL"


def summary(results: dict[str, Any]) -> dict[str, Any]:
    """The medians, overheads and ratios that the report and the README quote."""
    synth, hardening = results["synth"], results["hardening"]
    n = hardening["functions"]
    med = {v: median(runs, "synth_s") for v, runs in synth["runs"].items()}
    hmed = {v: median(runs, "synth_s") for v, runs in hardening["runs"].items()}
    edit = median(hardening["runs"]["l1-floor"], "edit_s")
    plugin_oh, nag_oh, plugin_vs_nag = _overheads(synth)
    harden_ms = (hmed["harden"] - hmed["plugin"]) / n * 1000
    floor_ms = (hmed["l1-floor"] + edit - hmed["bare"]) / n * 1000
    out: dict[str, Any] = {
        "synth": med,
        "hardening": hmed,
        "edit": edit,
        "plugin_overhead": plugin_oh,
        "nag_overhead": nag_oh,
        "plugin_vs_nag": plugin_vs_nag,
        "harden_ms": harden_ms,
        "floor_ms": floor_ms,
        "harden_vs_floor": harden_ms / floor_ms if floor_ms > 0 else None,
        "checkov_vs_guardrails": None,
        # the Python side of the plugin's and the Aspect's cost (``measure.apply_variant``)
        "plugin_validate": median_of(synth["runs"]["plugin"], "validate_s"),
        "harden_aspect": median_of(hardening["runs"]["harden"], "aspect_s"),
        "harden_validate": median_of(hardening["runs"]["harden"], "validate_s"),
        "audit_validate": median_of(hardening["runs"]["plugin"], "validate_s"),
        "sizes": {
            row["functions"]: {
                key: median(row["scans"], f"{key}_s") for key in ("floor", "cold", "warm")
            }
            for row in results["sizes"]
        },
    }
    out["plugin_sizes"] = [
        (row["functions"], row["stacks"], *_overheads(row))
        for row in results.get("plugin_sizes", [])
    ]
    cli = results.get("cli")
    if cli and cli["guardrails"]:
        out["guardrails_s"] = median(cli["guardrails"], "seconds")
        if cli["checkov"]:
            out["checkov_s"] = median(cli["checkov"], "seconds")
            out["checkov_vs_guardrails"] = out["checkov_s"] / out["guardrails_s"]
    return out


def _overheads(synth: dict[str, Any]) -> tuple[float, float, float | None]:
    """The plugin's and cdk-nag's median overheads over the bare synth, and their ratio."""
    med = {v: median(runs, "synth_s") for v, runs in synth["runs"].items()}
    plugin, nag = med["plugin"] - med["bare"], med["cdk-nag"] - med["bare"]
    return plugin, nag, plugin / nag if nag > 0 else None


def targets(s: dict[str, Any]) -> list[list[str]]:
    values = (s["plugin_vs_nag"], s["harden_ms"], s["harden_vs_floor"], s["checkov_vs_guardrails"])
    return [
        [f"{name} {op} {target:g}", _fmt(value), verdict(value, op, target)]
        for (name, op, target), value in zip(TARGETS, values, strict=True)
    ]


def headline(results: dict[str, Any]) -> str:
    """The README's Performance paragraph (what stands between its markers)."""
    s, m = summary(results), results["machine"]
    big = max(s["sizes"])
    scan = s["sizes"][big]
    n, stacks = results["synth"]["functions"], results["synth"]["stacks"]
    text = (
        f"On {m['CPU']} ({m['CPUs']} CPUs, Python {m['Python']}), the engine checks the cloud "
        f"assembly of a CDK app of {big:,} functions in {scan['warm']:.1f} s "
        f"({scan['warm'] / scan['floor']:.0f}x the `json.loads` of its templates)"
    )
    if s["checkov_vs_guardrails"] is not None:
        text += (
            f"; on the assembly of {n} functions `guardrails scan` takes "
            f"{s['guardrails_s']:.1f} s and checkov {s['checkov_s']:.1f} s "
            f"({s['checkov_vs_guardrails']:.0f}x)"
        )
    return text + (
        f". In the synth of {n} functions in {stacks} stacks ({s['synth']['bare']:.1f} s bare), "
        f"the plugin adds {s['plugin_overhead']:.1f} s (cdk-nag's two packs: "
        f"{s['nag_overhead']:.1f} s{_smaller_apps(s)}); in {results['hardening']['stacks']} "
        "stacks, the safe "
        f"hardening {s['harden_ms']:.1f} ms per function (the same L1 edits written by hand: "
        f"{s['floor_ms']:.1f} ms). The targets, the machine "
        f"and every number: [docs/benchmarks.md](docs/benchmarks.md) ({m['Date'][:10]}; "
        "`make bench` reruns it all and rewrites this paragraph)."
    )


def _smaller_apps(s: dict[str, Any]) -> str:
    """The plugin / cdk-nag ratio on the smaller apps, for the headline."""
    ratios = [(n, ratio) for n, _, _, _, ratio in s["plugin_sizes"] if ratio is not None]
    if not ratios:
        return ""
    shown = ", ".join(f"{ratio:.2f}x at {n:,}" for n, ratio in ratios)
    return f"; the plugin's overhead is {shown} functions cdk-nag's"


def render(results: dict[str, Any]) -> str:
    """docs/benchmarks.md."""
    s = summary(results)
    n, stacks = results["synth"]["functions"], results["synth"]["stacks"]
    repeat = results["repeat"]
    smoke = " (smoke run: small sizes, 1 run, no checkov)" if results["smoke"] else ""
    return "\n".join(
        [
            "# Benchmarks",
            "",
            f"Generated by `{results['command']}` in {results['elapsed_s'] / 60:.1f} min{smoke}. "
            "`make bench` reruns everything and rewrites this file and the README's Performance "
            "paragraph; `make bench-smoke` is the reduced run CI makes. Every measurement runs in "
            f"a fresh process; times are medians of {repeat} run{'s' * (repeat > 1)}. Timings on "
            "a shared machine are noisy: compare the numbers of one run with each other. The "
            "apps are real CDK apps from `benchmarks/apps.py`: inline code, IAM grants, RestApi "
            "methods, SQS event sources, VPC functions, secrets by reference and a few "
            "violations of every concern, at most 120 functions per stack.",
            "",
            "## Machine",
            "",
            table(["", ""], list(results["machine"].items())),
            "",
            "## Targets",
            "",
            table(["Target", "Measured", "Result"], targets(s)),
            "",
            *_scan_section(results, s),
            *_synth_section(results, s),
            *_hardening_section(results, s),
            f"## 4. `guardrails scan` vs. checkov ({n} functions, {stacks} templates)",
            "",
            *_cli_section(results, s),
            *_rss_section(results),
            *_code_section(results),
            "## Headline (the README's Performance paragraph)",
            "",
            headline(results),
            "",
        ]
    )


def _scan_section(results: dict[str, Any], s: dict[str, Any]) -> list[str]:
    rows = []
    for row in results["sizes"]:
        scan, times = row["scans"][0], s["sizes"][row["functions"]]
        rows.append(
            [
                f"{row['functions']:,}",
                row["synth"]["stacks"],
                _size(scan["bytes"]),
                f"{scan['findings']:,}",
                _ms(times["floor"]),
                _ms(times["cold"]),
                _ms(times["warm"]),
                f"{times['warm'] / times['floor']:.0f}x",
            ]
        )
    headers = ["Functions", "Stacks", "Templates", "Findings", "json.loads", "First scan"]
    headers += ["Scan again", "Again / json.loads"]
    return [
        "## 1. Engine vs. `json.loads`, by app size",
        "",
        "`engine.scan(load(assembly))` in a fresh process, against reading and `json.loads` "
        "of every template of the same assembly (the floor). The first scan pays the one-time "
        "costs (the IAM action catalog...); the second is the same scan again in the same "
        "process. `guardrails scan` pays the first, plus starting Python and the imports "
        "(section 4). `python benchmarks/bench_scan.py` splits the engine's time into its stages "
        "on a synthetic template.",
        "",
        table(headers, rows),
        "",
    ]


def _synth_section(results: dict[str, Any], s: dict[str, Any]) -> list[str]:
    runs, bare = results["synth"]["runs"], s["synth"]["bare"]
    rows = [
        [
            VARIANT_TITLES[v],
            f"{s['synth'][v]:.2f} s",
            f"{s['synth'][v] - bare:+.2f} s" if v != "bare" else "",
            _rss(runs[v]),
        ]
        for v in results["synth"]["runs"]
    ]
    n, stacks = results["synth"]["functions"], results["synth"]["stacks"]
    return [
        f"## 2. Synth time, {n} functions in {stacks} stacks",
        "",
        "Only `app.synth()` is timed (building the app is the same in every variant), with "
        "`CDK_VALIDATION=false`. cdk-nag 3's packs are validation plugins "
        "(`Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))`; "
        "cdk-nag 2's were Aspects); their errors fail the synth after every check has run, "
        "which is what is timed. The stacks' resource limit is lifted "
        "(`@aws-cdk/core:stackResourceLimit: 0`) in every variant.",
        "",
        table(["Variant", "Synth", "Overhead vs. bare", "Peak RSS Python / Node.js"], rows),
        "",
        f"Plugin overhead / cdk-nag overhead: **{_fmt(s['plugin_vs_nag'])}** (target <= 0.5).",
        "",
        *_plugin_split(s),
        *_plugin_sizes(s),
    ]


def _plugin_sizes(s: dict[str, Any]) -> list[str]:
    """The same comparison on smaller apps: the ratio by app size."""
    if not s["plugin_sizes"]:
        return []
    rows = [
        [f"{n:,}", k, f"{plugin:+.2f} s", f"{nag:+.2f} s", _fmt(ratio)]
        for n, k, plugin, nag, ratio in s["plugin_sizes"]
    ]
    return [
        "The same three variants on smaller apps of the same kind. Each tool's overhead is a "
        "fixed part, larger for cdk-nag (its packs' setup in Node.js), and a part per "
        "resource, larger for the plugin (jsii marshals every violating resource of its "
        "report to Node.js, where CDK formats it): the ratio grows with the app.",
        "",
        table(
            ["Functions", "Stacks", "Plugin overhead", "cdk-nag overhead", "Plugin / cdk-nag"], rows
        ),
        "",
    ]


def _plugin_split(s: dict[str, Any]) -> list[str]:
    """Where the plugin's overhead goes: its ``validate`` in Python, the rest in Node.js."""
    validate = s.get("plugin_validate")
    if validate is None:
        return []
    rest = s["plugin_overhead"] - validate
    return [
        f"Of the plugin's {s['plugin_overhead']:+.2f} s, {validate:.2f} s are its `validate` in "
        "Python (reading the assembly, the engine, building the violations); the other "
        f"{rest:.2f} s are spent in Node.js: jsii's marshalling of the report (a structure per "
        "violating resource) and CDK's own processing of a plugin's report (its construct "
        "tree, the report's text and JSON). cdk-nag's overhead includes that processing too, "
        "and its checks, which run in Node.js with nothing to marshal.",
        "",
    ]


def _hardening_section(results: dict[str, Any], s: dict[str, Any]) -> list[str]:
    hardening = results["hardening"]
    n, stacks, med = hardening["functions"], hardening["stacks"], s["hardening"]
    floor = f"L1 floor (edits {s['edit']:.2f} s, synth {med['l1-floor'] - med['bare']:+.2f} s)"
    rows = [
        ["Hardening (safe fixes)", _s(med["harden"] - med["plugin"]), f"{s['harden_ms']:.2f} ms"],
        [floor, _s(s["floor_ms"] * n / 1000), f"{s['floor_ms']:.2f} ms"],
    ]
    synths = table(
        ["Variant", "Synth", "Peak RSS Python / Node.js"],
        [
            [VARIANT_TITLES[v], f"{med[v]:.2f} s", _rss(runs)]
            for v, runs in hardening["runs"].items()
        ],
    )
    return [
        f"## 3. Hardening cost per function ({n} functions in {stacks} stacks)",
        "",
        'Hardening: the synth with `protect(app, mode="audit", remediate="safe")` minus the '
        'synth with `protect(app, mode="audit")`, per function. L1 floor: for each function '
        "one `logs.CfnLogGroup` (`apply_removal_policy(RETAIN)`), and `tracing_config` and "
        "`logging_config` set on its `CfnFunction`, from Python before the synth; the time of "
        "those edits plus the synth, minus the bare synth, per function. The same functions as "
        f"above, in {stacks} stacks: the Aspect adds nothing that would take a stack past the "
        "500 resources CloudFormation accepts (it refuses, and says so), so the stacks leave "
        "room for a log group and a policy per function.",
        "",
        synths,
        "",
        table(["", "Total", "Per function"], rows),
        "",
        f"Hardening / L1 floor: **{_fmt(s['harden_vs_floor'])}** (targets: <= 3 ms per "
        "function, <= 2x the floor).",
        "",
        *_hardening_split(s, n),
    ]


def _hardening_split(s: dict[str, Any], n: int) -> list[str]:
    """Where the hardening's cost goes: the Aspect's pass, the longer check, CDK's synthesis."""
    aspect, hardened, audit = (
        s.get("harden_aspect"),
        s.get("harden_validate"),
        s.get("audit_validate"),
    )
    if aspect is None or hardened is None or audit is None:
        return []
    total = s["harden_ms"] * n / 1000
    check = hardened - audit
    rest = total - aspect - check
    # medians of separate runs: a remainder this small is the runs' spread, not a cost
    synthesis = (
        f"and {rest:.2f} s of CDK synthesizing what was added"
        if rest >= 0.05
        else "and CDK's synthesis of what was added, within the spread of the runs"
    )
    return [
        f"Of the hardening's {total:.2f} s: the Aspect's pass {aspect:.2f} s "
        f"({aspect / n * 1000:.2f} ms per function: reading every stack once and writing the "
        "fixes, each jsii call a round trip to Node.js), the plugin's `validate` of the hardened "
        f"templates {check:+.2f} s (more resources, and the change log reported as "
        f"`remediated` findings), {synthesis}.",
        "",
    ]


def _cli_section(results: dict[str, Any], s: dict[str, Any]) -> list[str]:
    cli = results.get("cli")
    if not cli:
        return ["Not run (smoke run, or `--no-checkov`).", ""]
    rows = [["`guardrails scan`", _s(s["guardrails_s"]), _mb(cli["guardrails"])]]
    if cli["checkov"]:
        rows.append(
            [f"checkov {cli.get('checkov_version', '')}", _s(s["checkov_s"]), _mb(cli["checkov"])]
        )
    if cli["skipped"]:
        outcome = f"The checkov comparison was skipped: {cli['skipped']}."
    else:
        outcome = f"checkov / guardrails: **{_fmt(s['checkov_vs_guardrails'])}** (target >= 25)."
    return [
        "End to end (process start included) on the bare assembly of section 2: "
        "`guardrails scan DIR --format json --fail-on none --allow-incomplete` and "
        "`checkov -d DIR --framework cloudformation --quiet --compact -o json --skip-download`. "
        "checkov is installed by the runner into its own venv, `benchmarks/.venv-checkov`, "
        "from `benchmarks/requirements-checkov.txt`; it is no dependency of the project.",
        "",
        table(["Tool", "Time", "Peak RSS"], rows),
        "",
        outcome,
        "",
    ]


def _rss_section(results: dict[str, Any]) -> list[str]:
    rows = [
        [
            f"{row['functions']:,}",
            f"{row['synth']['synth_s']:.1f} s",
            f"{row['synth']['rss_python_mb']:.0f} MB",
            _opt_mb(row["synth"].get("rss_node_mb")),
            f"{median(row['scans'], 'rss_python_mb'):.0f} MB",
        ]
        for row in results["sizes"]
    ]
    headers = ["Functions", "Synth", "Synth: Python", "Synth: Node.js", "Scan: Python"]
    return [
        "## 5. Peak RSS by app size",
        "",
        "ru_maxrss of each process: the synth's Python process and its jsii kernel (Node.js: "
        "the VmHWM of the processes Python started), and the engine's scan (Python only). The "
        "bare synth at each size runs once (it makes the assembly the scans read).",
        "",
        table(headers, rows),
        "",
    ]


def _code_section(results: dict[str, Any]) -> list[str]:
    code = results.get("code")
    if not code:
        return []
    n, cold, apps = code["functions"], code["cold"], code["apps"]
    first = cold[0]
    handlers = [
        ("Python: `boto3` client, resource `Table`, paginator", "python"),
        ("TypeScript: SDK v3 `client.send`, `DynamoDBDocumentClient`", "typescript"),
    ]
    per_handler = table(
        ["Handler", "Lines", "SDK calls found", "First analysis"],
        [
            [title, first[f"{key}_lines"], first[f"{key}_calls"], _us(median(cold, f"{key}_s"))]
            for title, key in handlers
        ],
    )
    scans = {assets: app["scans"] for assets, app in apps.items()}
    scan = {assets: median(runs, "scan_s") for assets, runs in scans.items()}
    analysis = {assets: median(runs, "analysis_s") for assets, runs in scans.items()}
    rows = []
    for assets, runs in scans.items():
        one = runs[0]
        rows.append(
            [
                f"{assets}: {CODE_ASSET_TITLES[assets]}",
                one["assets"],
                one["analyses"] + one["cache_hits"],
                one["analyses"],
                one["calls"],
                _ms(scan[assets]),
                _ms(analysis[assets]),
                _us(analysis[assets] / one["analyses"]),
                _us(analysis[assets] / one["functions"]),
            ]
        )
    headers = ["Code assets", "`asset.*` folders", "Lookups", "Analyses run", "SDK calls"]
    headers += ["Engine scan", "In the analysis", "Per analysis", "Per function"]
    shared, distinct = scans["shared"][0], scans["distinct"][0]
    derived = (scan["distinct"] - scan["no-sdk"]) / n
    return [
        "## 6. Code analysis (least privilege from the code)",
        "",
        "The rules that compare what a function's code calls of the AWS SDK with what its role "
        "grants read the function's own code (`guardrails/model/code_analysis.py`): Python with "
        "`ast`, JavaScript and TypeScript with tree-sitter. A file that names neither `boto3`, "
        "`aws_lambda_powertools` nor `aws-sdk` is not parsed: the inline handlers of the apps "
        "above name none, they only pay that check. The analysis is cached per code asset (its "
        "path and fingerprint: CDK stages one `asset.<hash>` folder per distinct content) and "
        "per inline text.",
        "",
        f"The first analysis of a handler, in a fresh process: the mean over {code['handlers']} "
        "handlers that differ by a comment, after one analysis of another (the parser and the "
        "SDK and IAM catalogs load once per process). The prefilter, the parse and the "
        "analysis, what a function's code costs once its files are read.",
        "",
        per_handler,
        "",
        f"A synthesized app of {n} functions (`lambda_.Code.from_asset`, the Python handler "
        "above, each function with its own role granted the table, bucket and queue it "
        "calls): `engine.scan(load(assembly))`, the first scan of a fresh process after one "
        "analysis of another handler. Lookups are the rules' calls of the analysis of an asset "
        "(`code_analysis._analyze_asset`, one per function and rule that reads the code), "
        "analyses run are its cache's misses; the time in the analysis includes reading the "
        "asset's files and the cache hits.",
        "",
        table(headers, rows),
        "",
        f"With one asset shared by the {n} functions the code is analysed once "
        f"({shared['analyses']} analysis for {shared['analyses'] + shared['cache_hits']} "
        f"lookups); with a distinct asset per function, once per asset ({distinct['analyses']} "
        "analyses). The scan of the distinct assets minus the scan of the same app whose "
        "handlers import a module `storage` instead of `boto3` (the same files and strings for "
        "every rule that reads them, nothing parsed): "
        f"{_us(derived)} per function, the analysis and what the rules do with the calls found.",
        "",
    ]


def update_readme(text: str, paragraph: str) -> str:
    """``text`` with what stands between the benchmark markers replaced by ``paragraph``."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no {README_START} ... {README_END} markers")
    return f"{text[: start + len(README_START)]}\n{paragraph}\n{text[end:]}"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs"


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _mb(runs: Sequence[dict[str, Any]]) -> str:
    return f"{median(runs, 'rss_mb'):.0f} MB"


def _opt_mb(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} MB"


def _rss(runs: Sequence[dict[str, Any]]) -> str:
    node = [r["rss_node_mb"] for r in runs if r.get("rss_node_mb") is not None]
    python = median(runs, "rss_python_mb")
    return f"{python:.0f} MB / " + (f"{statistics.median(node):.0f} MB" if node else "?")


# --- main ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, 1 run, no checkov")
    parser.add_argument("--repeat", type=int, help="runs per measurement (default 5; smoke 1)")
    parser.add_argument(
        "--output", help=f"write the report there (default: {DOC.relative_to(ROOT)}; smoke: none)"
    )
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    parser.add_argument("--no-checkov", action="store_true", help="skip the checkov comparison")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (assemblies)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.smoke else 5)
    sizes = SMOKE_SIZES if args.smoke else SIZES
    functions, stacks = SMOKE_SYNTH if args.smoke else SYNTH
    harden_functions, harden_stacks = SMOKE_HARDEN_SYNTH if args.smoke else HARDEN_SYNTH
    output = Path(args.output) if args.output else (None if args.smoke else DOC)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="guardrails-bench-"))
    try:
        results: dict[str, Any] = {
            "command": "make bench-smoke" if args.smoke else "make bench",
            "smoke": args.smoke,
            "repeat": repeat,
            "machine": machine(),
        }
        results["sizes"] = run_sizes(sizes, repeat, work)
        results["synth"] = run_synth(functions, stacks, repeat, work)
        results["hardening"] = run_synth(
            harden_functions, harden_stacks, repeat, work, HARDEN_VARIANTS, "harden"
        )
        results["plugin_sizes"] = [
            run_synth(n, k, repeat, work, name=f"plugin{n}", keep=False)
            for n, k in (SMOKE_PLUGIN_SIZES if args.smoke else PLUGIN_SIZES)
        ]
        results["code"] = run_code(
            SMOKE_CODE_FUNCTIONS if args.smoke else CODE_FUNCTIONS,
            SMOKE_CODE_HANDLERS if args.smoke else CODE_HANDLERS,
            repeat,
            work,
        )
        if not args.smoke and not args.no_checkov:
            results["cli"] = run_cli(results["synth"]["assembly"], repeat, work)
        results["elapsed_s"] = time.perf_counter() - started
    finally:
        if args.keep:
            progress(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    report = render(results)
    print(report)
    if output:
        output.write_text(report)
        progress(f"wrote {output}")
    if output == DOC and not args.no_readme:
        paragraph = textwrap.fill(headline(results), 96, break_long_words=False)
        README.write_text(update_readme(README.read_text(), paragraph))
        progress(f"updated the Performance paragraph of {README.relative_to(ROOT)}")
    progress(f"done in {results['elapsed_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
