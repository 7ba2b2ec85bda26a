"""Errors meant for people: one line naming the file, the place and the fix."""

from __future__ import annotations


class GuardrailsError(Exception):
    """Base of the errors this package raises on purpose."""


class InputError(GuardrailsError):
    """A template or cloud assembly that cannot be read (CLI exit code 2)."""


class PolicyError(GuardrailsError):
    """A policy that cannot be read or has an unknown key or a bad value (CLI exit code 2)."""
