"""What a function's own code calls of the AWS SDK: its inline code or its code asset, read
with the language's analysis (``python_calls``, ``node_calls``), once per asset.

Only the function's own code is read: vendored libraries (``site-packages``, ``node_modules``,
packages installed beside the code with ``pip install -t``), caches and VCS folders are not.
Work is bounded: at most ``MAX_FILES`` source files of at most ``MAX_FILE_BYTES`` each; an
asset past that is analysed in part, and says so.

The analysis is partial (``CodeAnalysis.partial``), besides what the language's analysis finds,
when the function's code is not all in the assembly or not all its own: a container image, an
object in S3, a runtime whose code is not analysed (Java, Go, .NET, Ruby, a custom runtime), a
layer (it may call AWS, or replace the runtime; not AWS's Powertools layers, libraries the
code read calls), files that could not be read.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from guardrails.model import node_calls, python_calls
from guardrails.model.asset_files import READ_ERRORS, fingerprint, open_asset
from guardrails.model.function import LambdaFunction
from guardrails.model.sdk_calls import CodeAnalysis
from guardrails.model.values import literal_str, render

#: source files read per asset, and bytes per file (a handler is KiB; a bundle may be MiB)
MAX_FILES = 2_000
MAX_FILE_BYTES = 2 * 1024 * 1024
#: what a file that may call the AWS SDK names (a module of the SDK, or of Powertools)
_MARKERS = {
    "python": ("boto3", "aws_lambda_powertools"),
    "node": ("aws-sdk", "@aws-lambda-powertools/"),
}
#: the Powertools for AWS Lambda layers (Python: 017000801446, TypeScript: 094274105915)
_POWERTOOLS_LAYER = re.compile(r":(?:017000801446|094274105915):layer:AWSLambdaPowertools")
#: folders that are not the function's own code
_SKIPPED = frozenset(
    {"node_modules", "site-packages", "dist-packages", "__pycache__", ".git", ".venv", "venv"}
)


def analyze_function(fn: LambdaFunction) -> CodeAnalysis:
    """The SDK calls of ``fn``'s own code, and why the picture may be partial."""
    runtime = literal_str(fn.runtime) or ""
    language = (
        "python"
        if runtime.startswith("python")
        else "node"
        if runtime.startswith("nodejs")
        else None
    )
    reasons: list[str] = []
    if fn.package_type == "Image" or fn.code is None:
        return CodeAnalysis(
            partial=("the function's code is a container image, not in the assembly",)
        )
    if language is None:
        return CodeAnalysis(partial=(f"runtime {runtime or 'unknown'}: its code is not analysed",))
    layers = [layer for layer in fn.layers if not _library_layer(layer)]
    if layers:
        reasons.append(f"{len(layers)} layer(s): code the analysis does not read may call AWS")
    code = fn.code
    if isinstance(code.inline, str):
        name = "index.py" if language == "python" else "index.js"
        found = _analyze_inline(language, name, code.inline)
    elif code.asset_path is not None:
        found = _analyze_asset(language, str(code.asset_path), fingerprint(code.asset_path))
    else:
        return CodeAnalysis(
            partial=("the function's code is an object in S3, not in the assembly", *reasons)
        )
    return CodeAnalysis(found.calls, tuple(dict.fromkeys((*reasons, *found.partial))))


@lru_cache(maxsize=1024)  # inline handlers repeat across functions (generated, copied)
def _analyze_inline(language: str, name: str, text: str) -> CodeAnalysis:
    return _analyze(language, {name: text})


def _analyze(language: str, mapping: dict[str, str]) -> CodeAnalysis:
    """The language's analysis of the function's own files of ``mapping``."""
    if not any(m in text for text in mapping.values() for m in _MARKERS[language]):
        return CodeAnalysis()  # no file names the SDK: no call to find, nothing to parse
    if language == "python":
        return python_calls.analyze(dict(python_calls.iter_python_files(mapping)))
    return node_calls.analyze(dict(node_calls.iter_node_files(mapping)))


@lru_cache(maxsize=256)  # one analysis per asset: functions sharing an asset share it
def _analyze_asset(language: str, path: str, stamp: tuple[int, int] | None) -> CodeAnalysis:
    """The analysis of the asset at ``path`` (``stamp``: its fingerprint, so a rebuilt asset
    is read again)."""
    del stamp  # part of the cache key only
    files: dict[str, str] = {}
    partial: list[str] = []
    try:
        with open_asset(Path(path), _SKIPPED.__contains__, vendored=True) as asset:
            for file in asset:
                if file.link or not _source(language, file.path):
                    continue
                if len(files) >= MAX_FILES or file.size > MAX_FILE_BYTES:
                    partial.append(f"{file.path}: past the analysis' limits (files, size)")
                    continue
                try:
                    files[file.path] = asset.read(file, MAX_FILE_BYTES).decode("utf-8", "replace")
                except READ_ERRORS:
                    partial.append(f"{file.path} could not be read")
            partial.extend(f"{p} could not be listed" for p in asset.unreadable)
    except READ_ERRORS:
        return CodeAnalysis(partial=("the code asset could not be read",))
    found = _analyze(language, files)
    return CodeAnalysis(found.calls, tuple(dict.fromkeys((*partial, *found.partial))))


def _library_layer(layer: object) -> bool:
    """A layer that only brings libraries the function's code calls (so its calls are in the
    code read): AWS's own Powertools for AWS Lambda layers (Python, TypeScript), by the
    account that publishes them. Any other layer may call AWS itself, or be an extension."""
    return _POWERTOOLS_LAYER.search(render(layer)) is not None


def _source(language: str, name: str) -> bool:
    if language == "python":
        return name.endswith(".py")
    return node_calls.is_node_file(name)
