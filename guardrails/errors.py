"""Errors meant for people: one line naming the file, the place and the fix."""

from __future__ import annotations

import traceback
from pathlib import Path


class GuardrailsError(Exception):
    """Base of the errors this package raises on purpose."""


class InputError(GuardrailsError):
    """A template or cloud assembly that cannot be read (CLI exit code 2)."""


class PolicyError(GuardrailsError):
    """A policy that cannot be read or has an unknown key or a bad value (CLI exit code 2)."""


def where(exc: BaseException) -> str:
    """The exception class and the innermost frame of this package, never the exception's text
    (which could carry a value read from a template, a secret among them)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "guardrails" in f.filename]
    at = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{exc.__class__.__name__}{at}"


def describe(exc: BaseException) -> str:
    """What went wrong, for a report: the message of an error this package raised on purpose
    (written to name places, never values), else only ``where`` it happened."""
    return str(exc) if isinstance(exc, GuardrailsError) else where(exc)
