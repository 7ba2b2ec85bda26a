"""Reading a file the user or an assembly names, the one way the package does it: a regular
file only, bounded in size, opened without blocking, decoded as UTF-8, with errors that name the
file and never its content.

A FIFO would block a run for ever and a link to ``/dev/zero`` would read until memory runs out,
so a file's type is checked before it is opened and again on the open descriptor (in case it was
swapped in between). The policy, the baseline, templates and assembly metadata all read through
``read_text``; each caller says which error class its failures are (``PolicyError`` for the
policy and the baseline, ``InputError`` for what is scanned).
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from guardrails.errors import GuardrailsError

MIB = 1024 * 1024
#: Python refuses to convert longer integers (``sys.get_int_max_str_digits``)
MAX_INT_DIGITS = 4300


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, for a message."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def is_regular_file(path: Path) -> bool:
    """A regular file, links followed (FIFOs, devices and sockets are never opened)."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def size_text(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit:,} bytes"


def read_bytes(
    path: Path,
    what: str,
    limit: int,
    error: type[GuardrailsError],
    *,
    label: str | None = None,
    fix: str = "pass a file",
) -> bytes:
    """At most ``limit`` bytes of the regular file ``path`` (links followed); anything else
    raises ``error`` in one line. ``label`` names the file until it is known to exist (a path
    taken from the CDK context may be anything pasted there)."""
    shown = label or str(path)
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise error(f"{shown}: {what} not found; check the path") from None
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, a link loop
        raise error(f"{shown}: cannot read the {what} ({exc.__class__.__name__})") from None
    if not stat.S_ISREG(status.st_mode):
        raise error(f"{path}: the {what} is {file_kind(status.st_mode)}, not a regular file; {fix}")
    if status.st_size > limit:
        raise error(f"{path}: the {what} is larger than {size_text(limit)}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.__class__.__name__})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(f"{path}: the {what} is not a regular file; {fix}")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.__class__.__name__})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise error(f"{path}: the {what} is larger than {size_text(limit)}")
    return data


def read_text(
    path: Path,
    what: str,
    limit: int,
    error: type[GuardrailsError],
    *,
    label: str | None = None,
    fix: str = "pass a file",
) -> str:
    """``read_bytes`` decoded as UTF-8 (a BOM is allowed)."""
    data = read_bytes(path, what, limit, error, label=label, fix=fix)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            f"{path}: byte {exc.start}: the {what} is not UTF-8 text; save it as UTF-8"
        ) from None


def parse_json(text: str, where: object, what: str, error: type[GuardrailsError], fix: str) -> Any:
    """``json.loads`` with its failures as one line that names the place and the ``fix``:
    ``JSONDecodeError`` messages never quote the document; nesting deeper than the interpreter
    can follow and integers Python will not convert are said in words."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problem = parser_words(exc.msg)
        raise error(
            f"{where}:{exc.lineno}:{exc.colno}: malformed {what} ({problem}); {fix}"
        ) from None
    except RecursionError:
        raise error(f"{where}: nested too deep to read; {fix}") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise error(
            f"{where}: holds a number longer than {MAX_INT_DIGITS:,} digits; {fix}"
        ) from None


_UNEXPECTED = re.compile(r"\b[Uu]nexpected\b(?P<end> end)?")


def parser_words(text: str) -> str:
    """A parser's description of a problem in the tool's words: "unexpected" is what the tool
    says of its own crashes, never of the input ("premature end of stream", "stray BOM")."""
    return _UNEXPECTED.sub(lambda m: "premature end" if m.group("end") else "stray", text)


_QUOTED = re.compile(r"""'[^']*'|"[^"]*"|`[^`]*`""")
#: what PyYAML quotes that comes from its own vocabulary, not from the file: token names
#: (``'<block end>'``) and the punctuation a parser expected (``','``)
_YAML_TOKEN = re.compile(r"""^(['"])(<[a-z ]+>|[\[\]{},?:-])\1$""")


def yaml_problem(exc: BaseException) -> str:
    """PyYAML's one-line description of a problem (with what it was parsing), without anything
    it quotes from the file (an alias or tag name, a character): the file may hold a credential.
    Quoted token names of the YAML grammar (``'<block end>'``, ``','``) are kept, re-quoted
    typographically: they help, and cannot carry input."""
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    text = ": ".join(p for p in parts if isinstance(p, str) and p)
    text = _QUOTED.sub(
        lambda m: f"\u2018{m.group()[1:-1]}\u2019" if _YAML_TOKEN.match(m.group()) else "…", text
    )
    cut = min((i for i in (text.find("'"), text.find('"'), text.find("`")) if i >= 0), default=-1)
    if cut >= 0:  # an unbalanced quote: whatever follows it may be input
        text = text[:cut] + "…"
    return parser_words(" ".join(text.split())) or "syntax error"
