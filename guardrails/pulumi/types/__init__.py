"""The translation of each Pulumi type, one module per concern; importing this package
registers them all (``translator.handles``)."""

from guardrails.pulumi.types import (
    api_gateway,
    iam,
    lambda_,
    logs,
    names,
    native,
    network,
    services,
)

__all__ = ["api_gateway", "iam", "lambda_", "logs", "names", "native", "network", "services"]
