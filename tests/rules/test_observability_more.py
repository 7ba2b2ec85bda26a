"""GR-OBS-03 to GR-OBS-08 on one synthesized app (one stack per case), plus plain templates for
forms CDK does not write (regional service principals, an event invoke config on an alias)."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_logs_destinations as logs_destinations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs

from guardrails.model import load
from guardrails.policy import Policy
from tests.conftest import ENV, findings, flagged, function, logical_id, synth

IDS: dict[str, str] = {}  # case name -> logical id of the resource a finding must point at
STREAM_ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/shared-events"


def _stack(app: cdk.App, name: str) -> cdk.Stack:
    return cdk.Stack(app, name, env=ENV)


def _remember(name: str, construct: object) -> None:
    IDS[name] = logical_id(construct)


def build_logs(app: cdk.App) -> None:
    # GR-OBS-03 / GR-OBS-04
    s = _stack(app, "ShortRetention")
    group = logs.LogGroup(s, "Logs", retention=logs.RetentionDays.ONE_MONTH)
    function(s, log_group=group)
    _remember("ShortRetention", group)
    s = _stack(app, "ShortLogRetentionProp")
    function(s, log_retention=logs.RetentionDays.ONE_WEEK)
    s = _stack(app, "NinetyDays")
    function(s, log_group=logs.LogGroup(s, "Logs", retention=logs.RetentionDays.THREE_MONTHS))
    s = _stack(app, "CdkDefaultRetention")  # logs.LogGroup's own default: 2 years
    function(s, log_group=logs.LogGroup(s, "Logs"))
    s = _stack(app, "NeverExpires")  # GR-OBS-02's finding, not GR-OBS-03's
    function(s, log_group=logs.LogGroup(s, "Logs", retention=logs.RetentionDays.INFINITE))
    s = _stack(app, "RetentionToken")
    days = cdk.CfnParameter(s, "RetentionDays", type="Number", default=7)
    group = logs.LogGroup(s, "Logs")
    group.node.default_child.add_property_override("RetentionInDays", days.value_as_number)
    function(s, log_group=group)
    s = _stack(app, "ImportedLogGroup")
    function(s, log_group=logs.LogGroup.from_log_group_name(s, "Shared", "shared-lambda-logs"))
    s = _stack(app, "EncryptedLogs")
    key = kms.Key(s, "Key", enable_key_rotation=True)
    key.grant_encrypt_decrypt(iam.ServicePrincipal("logs.eu-west-1.amazonaws.com"))
    group = logs.LogGroup(s, "Logs", encryption_key=key, retention=logs.RetentionDays.THREE_MONTHS)
    function(s, log_group=group)
    s = _stack(app, "KeyFromParameter")
    key_arn = cdk.CfnParameter(s, "LogsKeyArn")
    key = kms.Key.from_key_arn(s, "Key", key_arn.value_as_string)
    function(s, log_group=logs.LogGroup(s, "Logs", encryption_key=key))
    s = _stack(app, "NoLogGroup")
    function(s)

    # GR-OBS-05
    function(_stack(app, "JsonLogs"), logging_format=lambda_.LoggingFormat.JSON)
    function(_stack(app, "TextLogs"), logging_format=lambda_.LoggingFormat.TEXT)
    s = _stack(app, "LogFormatToken")
    log_format = cdk.CfnParameter(s, "LogFormat", default="JSON")
    function(s).node.default_child.add_property_override(
        "LoggingConfig.LogFormat", log_format.value_as_string
    )


def build_async(app: cdk.App) -> None:
    # GR-OBS-06: every CDK way to invoke a function asynchronously...
    s = _stack(app, "S3Notification")
    fn = function(s)
    s3.Bucket(s, "Uploads").add_event_notification(
        s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(fn)
    )
    s = _stack(app, "SnsSubscription")
    fn = function(s)
    sns.Topic(s, "Topic").add_subscription(subscriptions.LambdaSubscription(fn))
    s = _stack(app, "EventRule")
    fn = function(s)
    events.Rule(s, "Nightly", schedule=events.Schedule.cron(hour="2", minute="0")).add_target(
        events_targets.LambdaFunction(fn)
    )
    s = _stack(app, "LogSubscription")
    fn = function(s)
    logs.LogGroup(s, "Audit").add_subscription_filter(
        "Forward",
        destination=logs_destinations.LambdaDestination(fn),
        filter_pattern=logs.FilterPattern.all_events(),
    )
    s = _stack(app, "Scheduled")
    fn = function(s)
    scheduler.Schedule(
        s,
        "Every5Min",
        schedule=scheduler.ScheduleExpression.rate(cdk.Duration.minutes(5)),
        target=scheduler_targets.LambdaInvoke(fn, dead_letter_queue=sqs.Queue(s, "Undelivered")),
    )
    s = _stack(app, "RetriesOnly")  # an EventInvokeConfig without a destination
    function(s).configure_async_invoke(retry_attempts=0)

    # ... with a dead-letter queue or an on-failure destination
    s = _stack(app, "WithDlq")
    fn = function(s, dead_letter_queue_enabled=True)
    s3.Bucket(s, "Uploads").add_event_notification(
        s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(fn)
    )
    s = _stack(app, "WithDestination")
    fn = function(s, on_failure=destinations.SqsDestination(sqs.Queue(s, "Failed")))
    sns.Topic(s, "Topic").add_subscription(subscriptions.LambdaSubscription(fn))
    s = _stack(app, "AliasDestination")
    fn = function(s)
    lambda_.Alias(
        s,
        "Live",
        alias_name="live",
        version=fn.current_version,
        on_failure=destinations.SqsDestination(sqs.Queue(s, "Failed")),
    )
    s3.Bucket(s, "Uploads").add_event_notification(
        s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(fn)
    )
    s = _stack(app, "DlqFromParameter")
    dlq_arn = cdk.CfnParameter(s, "DlqArn")
    fn = function(s)
    fn.node.default_child.add_property_override(
        "DeadLetterConfig.TargetArn", dlq_arn.value_as_string
    )
    events.Rule(s, "Hourly", schedule=events.Schedule.rate(cdk.Duration.hours(1))).add_target(
        events_targets.LambdaFunction(fn)
    )

    # ... and synchronous or undecidable invokers
    s = _stack(app, "SyncInvokers")
    fn = function(s)
    fn.grant_invoke(iam.ServicePrincipal("apigateway.amazonaws.com"))
    fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
    fn.add_event_source(sources.SqsEventSource(sqs.Queue(s, "Jobs")))
    s = _stack(app, "PrincipalFromParameter")
    principal = cdk.CfnParameter(s, "InvokerPrincipal", default="s3.amazonaws.com")
    fn = function(s)
    lambda_.CfnPermission(
        s,
        "Invoke",
        action="lambda:InvokeFunction",
        function_name=fn.function_name,
        principal=principal.value_as_string,
    )


def build_event_sources(app: cdk.App) -> None:
    # GR-OBS-07
    s = _stack(app, "KinesisNoDestination")
    fn = function(s)
    fn.add_event_source(
        sources.KinesisEventSource(
            kinesis.Stream(s, "Stream"), starting_position=lambda_.StartingPosition.LATEST
        )
    )
    s = _stack(app, "KinesisWithDestination")
    fn = function(s)
    fn.add_event_source(
        sources.KinesisEventSource(
            kinesis.Stream(s, "Stream"),
            starting_position=lambda_.StartingPosition.LATEST,
            on_failure=sources.SqsDlq(sqs.Queue(s, "Failed")),
        )
    )
    s = _stack(app, "ImportedStream")  # the mapping is ours even when the stream is not
    fn = function(s)
    fn.add_event_source(
        sources.KinesisEventSource(
            kinesis.Stream.from_stream_arn(s, "Shared", STREAM_ARN),
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
        )
    )
    s = _stack(app, "StreamFromParameter")
    stream_arn = cdk.CfnParameter(s, "StreamArn")
    fn = function(s)
    fn.add_event_source(
        sources.KinesisEventSource(
            kinesis.Stream.from_stream_arn(s, "Shared", stream_arn.value_as_string),
            starting_position=lambda_.StartingPosition.LATEST,
        )
    )
    s = _stack(app, "DynamoNoDestination")
    table = dynamodb.Table(
        s,
        "Table",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        stream=dynamodb.StreamViewType.NEW_IMAGE,
    )
    function(s).add_event_source(
        sources.DynamoEventSource(table, starting_position=lambda_.StartingPosition.LATEST)
    )
    s = _stack(app, "DynamoWithDestination")
    table = dynamodb.Table(
        s,
        "Table",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        stream=dynamodb.StreamViewType.NEW_IMAGE,
    )
    function(s).add_event_source(
        sources.DynamoEventSource(
            table,
            starting_position=lambda_.StartingPosition.LATEST,
            retry_attempts=3,
            on_failure=sources.SqsDlq(sqs.Queue(s, "Failed")),
        )
    )
    s = _stack(app, "QueueWithoutRedrive")
    queue = sqs.Queue(s, "Jobs")
    function(s).add_event_source(sources.SqsEventSource(queue))
    _remember("QueueWithoutRedrive", queue)
    s = _stack(app, "QueueWithRedrive")
    queue = sqs.Queue(
        s,
        "Jobs",
        dead_letter_queue=sqs.DeadLetterQueue(queue=sqs.Queue(s, "Dlq"), max_receive_count=3),
    )
    function(s).add_event_source(sources.SqsEventSource(queue))
    s = _stack(app, "ImportedQueue")
    queue = sqs.Queue.from_queue_arn(s, "Shared", "arn:aws:sqs:eu-west-1:123456789012:jobs")
    function(s).add_event_source(sources.SqsEventSource(queue))
    s = _stack(app, "RedriveFromParameter")
    redrive = cdk.CfnParameter(s, "Redrive", type="String")
    queue = sqs.Queue(s, "Jobs")
    queue.node.default_child.add_property_override("RedrivePolicy", redrive.value_as_string)
    function(s).add_event_source(sources.SqsEventSource(queue))


def build_alarms(app: cdk.App) -> None:
    # GR-OBS-08
    s = _stack(app, "ErrorAlarm")
    function(s).metric_errors().create_alarm(s, "Errors", threshold=1, evaluation_periods=1)
    s = _stack(app, "ErrorRateAlarm")
    fn = function(s)
    cloudwatch.MathExpression(
        expression="100 * e / i",
        using_metrics={"e": fn.metric_errors(), "i": fn.metric_invocations()},
    ).create_alarm(s, "ErrorRate", threshold=5, evaluation_periods=1)
    s = _stack(app, "AliasErrorAlarm")
    fn = function(s)
    alias = lambda_.Alias(s, "Live", alias_name="live", version=fn.current_version)
    alias.metric_errors().create_alarm(s, "Errors", threshold=1, evaluation_periods=1)
    s = _stack(app, "ThrottleAlarmOnly")
    function(s).metric_throttles().create_alarm(s, "Throttles", threshold=1, evaluation_periods=1)
    function(_stack(app, "NoAlarm"))
    s = _stack(app, "MetricFromParameter")
    metric = cdk.CfnParameter(s, "MetricName", default="Errors")
    fn = function(s)
    cloudwatch.CfnAlarm(
        s,
        "Watch",
        comparison_operator="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        threshold=1,
        namespace="AWS/Lambda",
        metric_name=metric.value_as_string,
        statistic="Sum",
        period=300,
        dimensions=[
            cloudwatch.CfnAlarm.DimensionProperty(name="FunctionName", value=fn.function_name)
        ],
    )


def build(app: cdk.App) -> None:
    build_logs(app)
    build_async(app)
    build_event_sources(app)
    build_alarms(app)


@pytest.fixture(scope="module")
def assembly(module_tmp):
    return synth(build, module_tmp)


def _user(found):
    """Findings on the user's functions (log retention and S3 notifications add framework ones)."""
    return [f for f in found if f.owner == "user"]


def _one(assembly, rule_id, stack, **kwargs):
    found = _user(flagged(assembly, rule_id, stack, **kwargs))
    assert len(found) == 1, [(f.logical_id, f.location) for f in found]
    return found[0]


# -- GR-OBS-03 --------------------------------------------------------------------------------
def test_short_retention_is_flagged_on_the_log_group(assembly):
    f = _one(assembly, "GR-OBS-03", "ShortRetention")
    assert (f.severity, f.logical_id, f.location, f.construct_path) == (
        "low",
        IDS["ShortRetention"],
        "Properties/RetentionInDays",
        "ShortRetention/Logs/Resource",
    )
    assert f.functions[0].startswith("Fn")
    assert f.message == (
        f"Function {f.functions[0]} keeps its logs in log group {IDS['ShortRetention']} for 30 "
        "days, less than the policy's minimum of 90 days (min_log_retention_days)."
    )


def test_short_log_retention_prop_is_flagged_on_the_log_retention_resource(assembly):
    f = _one(assembly, "GR-OBS-03", "ShortLogRetentionProp")
    assert (f.location, f.construct_path) == (
        "Properties/RetentionInDays",
        "ShortLogRetentionProp/Fn/LogRetention/Resource",
    )
    assert "in log group /aws/lambda/${Fn" in f.message and "for 7 days" in f.message


@pytest.mark.parametrize(
    "stack",
    ["NinetyDays", "CdkDefaultRetention", "NeverExpires", "RetentionToken", "ImportedLogGroup"],
)
def test_long_infinite_or_undecidable_retention_is_not_flagged(assembly, stack):
    assert _user(flagged(assembly, "GR-OBS-03", stack)) == []


def test_never_expiring_group_is_obs_02s_finding(assembly):
    assert len(_user(flagged(assembly, "GR-OBS-02", "NeverExpires"))) == 1


def test_minimum_comes_from_the_policy(assembly):
    lenient = Policy.from_mapping({"min_log_retention_days": 30})
    assert _user(flagged(assembly, "GR-OBS-03", "ShortRetention", policy=lenient)) == []
    strict = Policy.from_mapping({"min_log_retention_days": 365})
    f = _one(assembly, "GR-OBS-03", "NinetyDays", policy=strict)
    assert "for 90 days, less than the policy's minimum of 365 days" in f.message


# -- GR-OBS-04 --------------------------------------------------------------------------------
def test_log_group_without_key_is_flagged_on_the_group(assembly):
    f = _one(assembly, "GR-OBS-04", "ShortRetention")
    assert (f.severity, f.logical_id, f.location, f.construct_path) == (
        "low",
        IDS["ShortRetention"],
        "Properties/KmsKeyId",
        "ShortRetention/Logs/Resource",
    )
    assert f.message == (
        f"Function {f.functions[0]} writes its logs to log group {IDS['ShortRetention']}, which "
        "is not encrypted with a KMS key (no KmsKeyId)."
    )


def test_log_retention_prop_is_flagged_on_the_function(assembly):
    f = _one(assembly, "GR-OBS-04", "ShortLogRetentionProp")
    assert (f.location, f.construct_path) == (
        "Properties/LoggingConfig/LogGroup",
        "ShortLogRetentionProp/Fn/Resource",
    )
    assert f.functions == (f.logical_id,)
    assert "a log group that Lambda creates without a KMS key" in f.message
    assert "Custom::LogRetention" in f.message


@pytest.mark.parametrize("stack", ["EncryptedLogs", "KeyFromParameter", "ImportedLogGroup"])
def test_encrypted_or_undecidable_log_groups_are_not_flagged(assembly, stack):
    assert _user(flagged(assembly, "GR-OBS-04", stack)) == []


def test_no_log_group_at_all_is_left_to_obs_02(assembly):
    assert _user(flagged(assembly, "GR-OBS-04", "NoLogGroup")) == []
    assert len(_user(flagged(assembly, "GR-OBS-02", "NoLogGroup"))) == 1


# -- GR-OBS-05 --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stack", "why"),
    [("TextLogs", "LogFormat is Text"), ("NoLogGroup", "LogFormat is not set, so Text")],
)
def test_text_logs_are_flagged(assembly, stack, why):
    f = _one(assembly, "GR-OBS-05", stack)
    assert (f.severity, f.location, f.construct_path) == (
        "low",
        "Properties/LoggingConfig/LogFormat",
        f"{stack}/Fn/Resource",
    )
    assert f.message == f"Function {f.logical_id} writes plain-text logs ({why})."


@pytest.mark.parametrize("stack", ["JsonLogs", "LogFormatToken"])
def test_json_or_undecidable_log_format_is_not_flagged(assembly, stack):
    assert _user(flagged(assembly, "GR-OBS-05", stack)) == []


# -- GR-OBS-06 --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stack", "invoker"),
    [
        ("S3Notification", "s3.amazonaws.com through permission "),
        ("SnsSubscription", "sns.amazonaws.com through permission "),
        ("EventRule", "events.amazonaws.com through permission "),
        ("LogSubscription", "logs.amazonaws.com through permission "),
        ("Scheduled", "schedule Every5Min"),
        ("RetriesOnly", "EventInvokeConfig Fn"),
    ],
)
def test_async_function_without_dlq_or_destination_is_flagged(assembly, stack, invoker):
    f = _one(assembly, "GR-OBS-06", stack)
    assert (f.severity, f.location, f.construct_path) == (
        "medium",
        "Properties/DeadLetterConfig",
        f"{stack}/Fn/Resource",
    )
    assert f.message.startswith(f"Function {f.logical_id} is invoked asynchronously (")
    assert invoker in f.message
    assert "neither a dead-letter queue (DeadLetterConfig.TargetArn) nor an on-failure" in f.message


@pytest.mark.parametrize(
    "stack",
    ["WithDlq", "WithDestination", "AliasDestination", "DlqFromParameter"],
)
def test_dlq_or_destination_in_any_form_complies(assembly, stack):
    assert _user(flagged(assembly, "GR-OBS-06", stack)) == []


@pytest.mark.parametrize("stack", ["SyncInvokers", "PrincipalFromParameter", "NoAlarm"])
def test_synchronous_or_undecidable_invokers_are_not_flagged(assembly, stack):
    assert _user(flagged(assembly, "GR-OBS-06", stack)) == []


# -- GR-OBS-07 --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stack", "what"),
    [
        ("KinesisNoDestination", "from Kinesis stream Stream"),
        ("ImportedStream", f"from Kinesis stream {STREAM_ARN} "),
        ("DynamoNoDestination", "from DynamoDB stream Table"),
    ],
)
def test_stream_mapping_without_destination_is_flagged_on_the_mapping(assembly, stack, what):
    f = _one(assembly, "GR-OBS-07", stack)
    assert f.severity == "medium"
    assert f.location == "Properties/DestinationConfig"
    assert f.construct_path.startswith(f"{stack}/Fn/") and "EventSource" in f.construct_path
    assert f.message.startswith(f"Event source mapping {f.logical_id} feeds function Fn")
    assert what in f.message
    assert "without an on-failure destination (DestinationConfig.OnFailure)" in f.message


def test_queue_without_redrive_policy_is_flagged_on_the_queue(assembly):
    f = _one(assembly, "GR-OBS-07", "QueueWithoutRedrive")
    assert (f.logical_id, f.location, f.construct_path) == (
        IDS["QueueWithoutRedrive"],
        "Properties/RedrivePolicy",
        "QueueWithoutRedrive/Jobs/Resource",
    )
    assert f.functions[0].startswith("Fn")
    assert f.message.startswith(
        f"SQS queue {IDS['QueueWithoutRedrive']} feeds function {f.functions[0]} (event source "
        "mapping "
    )
    assert "has no RedrivePolicy" in f.message


@pytest.mark.parametrize(
    "stack",
    [
        "KinesisWithDestination",
        "DynamoWithDestination",
        "QueueWithRedrive",
        "ImportedQueue",
        "RedriveFromParameter",
        "StreamFromParameter",
    ],
)
def test_handled_or_undecidable_event_sources_are_not_flagged(assembly, stack):
    assert _user(flagged(assembly, "GR-OBS-07", stack)) == []


# -- GR-OBS-08 --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stack", "seen"),
    [("NoAlarm", ""), ("ThrottleAlarmOnly", " (its alarms watch Throttles only)")],
)
def test_function_without_error_alarm_is_flagged(assembly, stack, seen):
    f = _one(assembly, "GR-OBS-08", stack)
    assert (f.severity, f.location, f.construct_path) == (
        "low",
        "Properties",
        f"{stack}/Fn/Resource",
    )
    assert f.message == (
        f"Function {f.logical_id} has no CloudWatch alarm on its Errors metric (AWS/Lambda) in "
        f"the stack{seen}: failures go unnoticed."
    )


@pytest.mark.parametrize(
    "stack", ["ErrorAlarm", "ErrorRateAlarm", "AliasErrorAlarm", "MetricFromParameter"]
)
def test_error_alarm_in_any_cdk_form_complies(assembly, stack):
    assert _user(flagged(assembly, "GR-OBS-08", stack)) == []


# -- plain templates for forms CDK does not write ---------------------------------------------
def _template(tmp_path, resources):
    path = tmp_path / "template.json"
    path.write_text(json.dumps({"Resources": resources}))
    return load(path)


def _function(**props):
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.12",
            "Handler": "index.handler",
            "Role": "arn:aws:iam::123456789012:role/fn",
            "Code": {"ZipFile": "def handler(e, c): return 1"},
            **props,
        },
    }


def _permission(principal, action="lambda:InvokeFunction"):
    return {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "Action": action,
            "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]},
            "Principal": principal,
            "SourceAccount": "123456789012",
        },
    }


@pytest.mark.parametrize(
    "principal",
    [
        "logs.eu-west-1.amazonaws.com",
        {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"},
        {"Fn::Sub": "iot.${AWS::URLSuffix}"},
        "ses.amazonaws.com",
    ],
)
def test_regional_and_sub_principals_count_as_async(tmp_path, principal):
    assembly = _template(tmp_path, {"Fn": _function(), "Invoke": _permission(principal)})
    assert [(f.logical_id, f.location) for f in findings(assembly, "GR-OBS-06")] == [
        ("Fn", "Properties/DeadLetterConfig")
    ]


@pytest.mark.parametrize(
    ("principal", "action"),
    [
        ("apigateway.amazonaws.com", "lambda:InvokeFunction"),
        ("elasticloadbalancing.amazonaws.com", "lambda:InvokeFunction"),
        ("s3.amazonaws.com", "lambda:GetFunction"),  # not an invocation
    ],
)
def test_other_permissions_are_not_async(tmp_path, principal, action):
    assembly = _template(tmp_path, {"Fn": _function(), "Invoke": _permission(principal, action)})
    assert findings(assembly, "GR-OBS-06") == []


def test_event_invoke_config_on_an_alias_by_name_counts(tmp_path):
    assembly = _template(
        tmp_path,
        {
            "Fn": _function(),
            "Version": {
                "Type": "AWS::Lambda::Version",
                "Properties": {"FunctionName": {"Ref": "Fn"}},
            },
            "Live": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {
                    "FunctionName": {"Ref": "Fn"},
                    "FunctionVersion": {"Fn::GetAtt": ["Version", "Version"]},
                    "Name": "live",
                },
            },
            "AsyncConfig": {
                "Type": "AWS::Lambda::EventInvokeConfig",
                "Properties": {
                    "FunctionName": {"Ref": "Live"},
                    "Qualifier": "live",
                    "MaximumRetryAttempts": 1,
                    "DestinationConfig": {
                        "OnFailure": {"Destination": "arn:aws:sqs:eu-west-1:123456789012:failed"}
                    },
                },
            },
            "Invoke": _permission("sns.amazonaws.com"),
        },
    )
    assert findings(assembly, "GR-OBS-06") == []
