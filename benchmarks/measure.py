"""One measurement, in a process of its own (the runner starts one per measurement).

    python -m benchmarks.measure synth --functions 720 --stacks 6 --variant plugin --result F
    python -m benchmarks.measure scan cdk.out --result F
    python -m benchmarks.measure synth --functions 200 --assets distinct --outdir D --result F
    python -m benchmarks.measure code-cold --handlers 200 --result F
    python -m benchmarks.measure code-scan D --result F

Writes a JSON object to ``--result``: the seconds measured and the peak RSS of this process
(and, for ``synth``, of the jsii kernel's Node.js processes). Only ``app.synth()`` is timed for
the synth variants (building the app is the same in all), except ``l1-floor``, whose
hand-written L1 edits before the synth are timed too (``edit_s``): they are what the hardening
Aspect does inside the synth. ``code-cold`` and ``code-scan`` measure the analysis of the
functions' own code for their AWS SDK calls (``guardrails.model.code_analysis``): per handler,
and in the engine's scan of an app whose functions' code is an asset (``--assets``).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

VARIANTS = ("bare", "plugin", "cdk-nag", "harden", "l1-floor")
CODE_ASSETS = ("shared", "distinct", "no-sdk")  # benchmarks.apps.CODE_ASSETS (no aws_cdk here)


def apply_variant(generated: Any, variant: str, parts: dict[str, float] | None = None) -> float:
    """Add what ``variant`` adds to the app; returns the seconds spent (only ``l1-floor``'s
    hand-written edits are counted: the others only register an Aspect or a plugin). With
    ``parts``, the seconds the synth then spends in the plugin's ``validate`` (``validate_s``)
    and in the hardening Aspect's pass (``aspect_s``) are added to it: the Python side of
    their cost, the rest being Node.js's (jsii's marshalling, CDK's own work)."""
    import aws_cdk as cdk

    app = generated.app
    if variant in ("plugin", "harden"):
        import guardrails

        remediate = "safe" if variant == "harden" else None
        plugin = guardrails.protect(app, mode="audit", remediate=remediate)
        if parts is not None:
            _time_calls(plugin, "validate", parts, "validate_s")
            if plugin.hardening is not None:
                _time_calls(plugin.hardening, "visit", parts, "aspect_s")
    elif variant == "cdk-nag":
        import cdk_nag

        # cdk-nag 3 packs are validation plugins (2.x were Aspects: ``Aspects.of(app).add``)
        cdk.Validations.of(app).add_plugins(
            cdk_nag.AwsSolutionsChecks(app), cdk_nag.ServerlessChecks(app)
        )
    elif variant == "l1-floor":
        from aws_cdk import aws_lambda as lambda_
        from aws_cdk import aws_logs as logs

        start = time.perf_counter()
        for fn in generated.functions:
            cfn: lambda_.CfnFunction = fn.node.default_child
            group = logs.CfnLogGroup(fn, "LogGroup", retention_in_days=365)
            group.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
            cfn.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
            cfn.logging_config = lambda_.CfnFunction.LoggingConfigProperty(
                log_format="JSON", log_group=group.ref
            )
        return time.perf_counter() - start
    elif variant != "bare":
        raise SystemExit(f"unknown variant {variant!r}")
    return 0.0


def _time_calls(obj: Any, method: str, parts: dict[str, float], key: str) -> None:
    """Add the seconds of every call of ``obj.method`` to ``parts[key]`` (jsii calls back the
    object's attribute, so the wrapper sees the calls CDK makes from Node.js)."""
    original = getattr(obj, method)
    parts.setdefault(key, 0.0)

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            parts[key] += time.perf_counter() - start

    setattr(obj, method, timed)


def measure_synth(
    functions: int, stacks: int | None, variant: str, outdir: str, assets: str | None = None
) -> dict[str, Any]:
    """With ``assets``, the app of ``build_code_app`` (its code assets' folders are written to
    a temporary folder: the synth copies them into the assembly)."""
    from benchmarks.apps import build_app, build_code_app

    if not assets:
        start = time.perf_counter()
        generated = build_app(functions, stacks, outdir)
        return _synth(generated, variant, time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as source:
        start = time.perf_counter()
        generated = build_code_app(functions, assets, source, outdir)
        return _synth(generated, variant, time.perf_counter() - start)


def _synth(generated: Any, variant: str, build: float) -> dict[str, Any]:
    parts: dict[str, float] = {}
    edit = apply_variant(generated, variant, parts)
    failed = False
    start = time.perf_counter()
    try:
        generated.app.synth()
    except RuntimeError as exc:  # cdk-nag's errors fail the synth, after all the work is done
        if "ValidationFailed" not in str(exc):
            raise
        failed = True
    synth = time.perf_counter() - start
    return {
        "functions": len(generated.functions),
        "stacks": len(generated.stacks),
        "build_s": build,
        "edit_s": edit,
        "synth_s": synth,
        **parts,
        "validation_failed": failed,
        "rss_python_mb": _self_rss_mb(),
        "rss_node_mb": _node_rss_mb(),
    }


def measure_scan(assembly: str) -> dict[str, Any]:
    """``json.loads`` of every template (the floor), then the engine's ``load`` + ``scan`` of the
    assembly twice: the first pays the one-time costs (the IAM action catalog...)."""
    from guardrails import engine
    from guardrails.model import load

    templates = sorted(Path(assembly).glob("*.template.json"))
    start = time.perf_counter()
    for path in templates:
        json.loads(path.read_bytes())
    floor = time.perf_counter() - start
    start = time.perf_counter()
    report = engine.scan(load(assembly))
    cold = time.perf_counter() - start
    functions, findings = report.functions, len(report.findings)
    del report  # the second scan starts from the same heap as the first, not a fuller one
    gc.collect()
    start = time.perf_counter()
    engine.scan(load(assembly))
    warm = time.perf_counter() - start
    return {
        "functions": functions,
        "findings": findings,
        "bytes": sum(p.stat().st_size for p in templates),
        "floor_s": floor,
        "cold_s": cold,
        "warm_s": warm,
        "rss_python_mb": _self_rss_mb(),
    }


def measure_code_cold(handlers: int) -> dict[str, Any]:
    """The analysis of ``handlers`` Python and as many TypeScript handlers, each analysed for
    the first time (they differ by a comment): the mean seconds per handler, what one handler
    is found to call, its lines. What ``analyze_function`` does once per asset after reading
    its files: the SDK prefilter, the language's parse and analysis. One analysis of another
    handler first: the parsers and the SDK and IAM catalogs are loaded once per process."""
    from benchmarks.apps import python_handler, typescript_handler
    from guardrails.model import code_analysis

    result: dict[str, Any] = {"handlers": handlers}
    languages: tuple[tuple[str, str, str, Callable[[int], str]], ...] = (
        ("python", "python", "index.py", python_handler),
        ("typescript", "node", "index.ts", typescript_handler),
    )
    for key, language, name, handler in languages:
        texts = [handler(i) for i in range(handlers)]
        code_analysis._analyze(language, {name: handler(-1)})  # the one-time loads
        gc.collect()
        start = time.perf_counter()
        for text in texts:
            found = code_analysis._analyze(language, {name: text})
        result[f"{key}_s"] = (time.perf_counter() - start) / handlers
        if not found.calls or found.partial:  # a benchmark of the prefilter would be no news
            raise SystemExit(f"the {key} handler's analysis found {found}")
        result[f"{key}_calls"] = len(found.calls)
        result[f"{key}_lines"] = len(texts[0].splitlines())
    return result


def measure_code_scan(assembly: str) -> dict[str, Any]:
    """The engine's ``load`` + ``scan`` of an assembly of ``build_code_app``, the first of this
    process, after one analysis of a handler of no asset of it (the parser's and the SDK and
    IAM catalogs' one-time loads, counted by no variant). The time spent in the analysis of the
    code assets (``code_analysis._analyze_asset``, cache hits included), the analyses that ran
    (the misses of its cache: one per asset) and the SDK calls they found."""
    from benchmarks.apps import python_handler
    from guardrails import engine
    from guardrails.model import code_analysis, load

    code_analysis._analyze("python", {"index.py": python_handler(-1)})
    analyze_asset = code_analysis._analyze_asset
    spent, calls = [0.0], [0]

    def timed(language: str, path: str, stamp: tuple[int, int] | None) -> Any:
        start = time.perf_counter()
        try:
            found = analyze_asset(language, path, stamp)
        finally:
            spent[0] += time.perf_counter() - start
        calls[0] = max(calls[0], len(found.calls))
        return found

    gc.collect()
    # a module global, looked up at each call: the rule's calls go through the wrapper
    code_analysis._analyze_asset = timed  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        report = engine.scan(load(assembly))
        seconds = time.perf_counter() - start
    finally:
        code_analysis._analyze_asset = analyze_asset
    info = analyze_asset.cache_info()
    return {
        "functions": report.functions,
        "findings": len(report.findings),
        "assets": sum(1 for p in Path(assembly).glob("asset.*") if p.is_dir()),
        "scan_s": seconds,
        "analysis_s": spent[0],
        "analyses": info.misses,
        "cache_hits": info.hits,
        "calls": calls[0],
        "rss_python_mb": _self_rss_mb(),
    }


def _self_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _node_rss_mb() -> float | None:
    """Peak RSS (VmHWM) of this process's descendants, the jsii kernel's Node.js processes,
    added up (Linux /proc; ``None`` elsewhere)."""
    total, seen, todo = 0, set(), [Path("/proc/self").resolve().name]
    try:
        while todo:
            pid = todo.pop()
            for task in Path(f"/proc/{pid}/task").iterdir():
                for child in (task / "children").read_text().split():
                    if child not in seen:
                        seen.add(child)
                        todo.append(child)
        for pid in seen:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
    except OSError:
        return None
    return total / 1024 if seen else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    synth = commands.add_parser("synth")
    synth.add_argument("--functions", type=int, required=True)
    synth.add_argument("--stacks", type=int)
    synth.add_argument("--variant", choices=VARIANTS, default="bare")
    synth.add_argument("--outdir", required=True)
    synth.add_argument("--assets", choices=CODE_ASSETS, help="the app of build_code_app")
    synth.add_argument("--result", required=True)
    for name in ("scan", "code-scan"):
        scan = commands.add_parser(name)
        scan.add_argument("assembly")
        scan.add_argument("--result", required=True)
    cold = commands.add_parser("code-cold")
    cold.add_argument("--handlers", type=int, required=True)
    cold.add_argument("--result", required=True)
    args = parser.parse_args()
    if args.command == "synth":
        result = measure_synth(args.functions, args.stacks, args.variant, args.outdir, args.assets)
    elif args.command == "code-cold":
        result = measure_code_cold(args.handlers)
    elif args.command == "code-scan":
        result = measure_code_scan(args.assembly)
    else:
        result = measure_scan(args.assembly)
    Path(args.result).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
