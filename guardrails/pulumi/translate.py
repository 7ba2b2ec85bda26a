"""Pulumi resources as the CloudFormation template the model reads (``translator`` says how;
``types`` holds each type's translation)."""

from __future__ import annotations

from collections.abc import Iterable

from guardrails.pulumi import types
from guardrails.pulumi.resources import PulumiResource
from guardrails.pulumi.translator import UNKNOWN_PARAMETER, Translation, Translator

__all__ = ["UNKNOWN_PARAMETER", "Translation", "translate", "types"]


def translate(resources: Iterable[PulumiResource]) -> Translation:
    """The template of a Pulumi stack's resources, and the way back to them."""
    return Translator(list(resources)).run()
