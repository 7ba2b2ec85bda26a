"""Rules: dependencies and supply chain (GR-DEP).

The runtime lifecycle is data (``guardrails/data/runtimes.json``, read by
``guardrails.model.runtimes``), so a new AWS schedule is a data change, not a code change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from guardrails.model.function import LambdaFunction
from guardrails.model.runtimes import RuntimeLifecycle, lifecycle
from guardrails.rules.base import RuleContext, Violation, rule


def _upgrade(lc: RuntimeLifecycle) -> str:
    return f" Move to {lc.successor}." if lc.successor else ""


def _update_block(lc: RuntimeLifecycle, today: dt.date) -> str:
    if lc.block_update is None:
        return ""
    tense = "have been blocked since" if lc.block_update <= today else "are blocked from"
    return f"; updates {tense} {lc.block_update.isoformat()}"


@rule(
    "GR-DEP-01",
    title="Deprecated or soon-deprecated runtime",
    severity="critical",
    rationale=(
        "A deprecated runtime no longer receives security patches, and once Lambda blocks "
        "creating or updating functions on it, the next deployment of the stack fails: a fix "
        "cannot ship until the runtime is upgraded."
    ),
    fix=(
        "Pass a supported runtime, e.g. `runtime=lambda_.Runtime.PYTHON_3_14` or "
        "`lambda_.Runtime.NODEJS_24_X`, and test the code on it."
    ),
    references={
        "Security Hub": "Lambda.2",
        "AWS Config": "lambda-function-settings-check",
        "cdk-nag": "AwsSolutions-L1",
        "checkov": "CKV_AWS_363",
    },
)
def runtime_lifecycle(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The function's ``Runtime`` against the dated lifecycle table shipped with the package:
    creation blocked (``block_create <= today``) -> critical; deprecated (``deprecation <=
    today``) -> high; deprecation within ``policy.runtime_warning_days`` days (default 180) ->
    medium. "Today" is ``ctx.today``.

    Interpretations: dates are whole UTC days and a date is reached on that day. A runtime whose
    update block has also passed is reported once, as critical, saying so. "Within N days" is
    ``0 < deprecation - today <= N`` (N = 0 turns the medium case off). Container image
    functions (``PackageType: Image``) have no runtime and are not checked. A runtime that is a
    token (a parameter, ``Fn::If``) cannot be decided and is not reported. A runtime id that is
    not in the table (newer than the package's data, or a typo that CloudFormation rejects
    anyway) is not reported either: the rule does not guess a schedule. Entries without dates
    (container-only runtimes, runtimes AWS has not scheduled) are never reported. One violation
    at ``Properties/Runtime``.
    """
    if fn.package_type == "Image":
        return
    runtime = fn.runtime
    if not isinstance(runtime, str):
        return
    lc = lifecycle(runtime)
    if lc is None:
        return
    today = ctx.today
    where = fn.site.at("Runtime")
    if lc.block_create is not None and lc.block_create <= today:
        yield Violation(
            where,
            f"Runtime {runtime} is deprecated and Lambda has blocked creating functions with it "
            f"since {lc.block_create.isoformat()}{_update_block(lc, today)}: deploying "
            f"{fn.logical_id} as a new function fails.{_upgrade(lc)}",
            severity="critical",
        )
        return
    if lc.deprecation is None:
        return
    if lc.deprecation <= today:
        blocked = (
            f"; Lambda blocks creating functions with it from {lc.block_create.isoformat()}"
            if lc.block_create is not None
            else ""
        )
        yield Violation(
            where,
            f"Runtime {runtime} has been deprecated since {lc.deprecation.isoformat()} and no "
            f"longer receives security patches{blocked}{_update_block(lc, today)}.{_upgrade(lc)}",
            severity="high",
        )
        return
    days = (lc.deprecation - today).days
    if days <= ctx.policy.runtime_warning_days:
        yield Violation(
            where,
            f"Runtime {runtime} is deprecated on {lc.deprecation.isoformat()} (in {days} days); "
            f"it then stops receiving security patches.{_upgrade(lc)}",
            severity="medium",
        )
