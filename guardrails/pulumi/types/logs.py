"""``aws:cloudwatch/*``: log groups and metric alarms."""

from __future__ import annotations

from typing import Any

from guardrails.pulumi.resources import PulumiResource, is_unknown
from guardrails.pulumi.translator import Translator, handles
from guardrails.pulumi.types.names import FUNCTION, FUNCTIONS, KEY, LOG_GROUP


@handles(LOG_GROUP)
def _log_group(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    name = p.get("name")
    if is_unknown(name):
        functions = t.dependencies(r, "name", (FUNCTION,))
        others = [u for u in r.property_dependencies.get("name", ()) if u in t.ids]
        if len(functions) == 1 and len(others) == 1:  # /aws/lambda/<the function's name>
            name = {"Fn::Join": ["", ["/aws/lambda/", {"Ref": functions[0]}]]}
    t.emit(
        r,
        "AWS::Logs::LogGroup",
        {
            "LogGroupName": t.value(name),
            "RetentionInDays": p.get("retentionInDays") or None,
            "KmsKeyId": t.ref(r, "kmsKeyId", p.get("kmsKeyId"), (KEY,), "Arn"),
        },
    )


@handles("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    dimensions = p.get("dimensions")
    t.emit(
        r,
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": t.value(p.get("metricName")),
            "Namespace": t.value(p.get("namespace")),
            "Dimensions": [
                {"Name": k, "Value": t.ref(r, "dimensions", v, FUNCTIONS)}
                for k, v in dimensions.items()
            ]
            if isinstance(dimensions, dict)
            else None,
            "AlarmActions": t.ref(r, "alarmActions", p.get("alarmActions"), (), "Arn"),
        },
    )
