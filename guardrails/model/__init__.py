"""The model: assemblies and templates read, intrinsics evaluated, the graph around each function.

Nothing here imports ``aws_cdk``: the same model serves the CDK plugin and the CLI.
"""

from guardrails.model.assembly import Assembly, Resource, StackTemplate, load
from guardrails.model.graph import functions

__all__ = ["Assembly", "Resource", "StackTemplate", "functions", "load"]
