"""An offline expansion of AWS SAM templates (``Transform: AWS::Serverless-2016-10-31``).

The SAM translator runs inside CloudFormation at deploy time; a template as a team writes it
holds ``AWS::Serverless::Function`` resources the rest of the model would not see. ``expand``
rewrites them, before evaluation, into the plain resources the translator generates, for the
properties the rules read, with the logical ids SAM gives them:

- the function keeps its logical id (an ``AWS::Lambda::Function``), after the
  ``Globals.Function`` section is merged into it (maps merged, lists concatenated, scalars
  overridden, as SAM does);
- ``<Fn>Role``: the execution role generated when ``Role`` is absent, trusting
  ``lambda.amazonaws.com``, with ``AWSLambdaBasicExecutionRole`` (+
  ``AWSLambdaVPCAccessExecutionRole`` with ``VpcConfig``, + ``AWSXrayWriteOnlyAccess`` with
  ``Tracing``, + the SQS/Kinesis/DynamoDB execution role of a poll-based event), the
  ``Policies`` (managed policy names and ARNs, inline documents as ``<Fn>RolePolicy<i>``, the
  policy templates of ``SAM_POLICY_TEMPLATES``), the dead-letter queue policy,
  ``PermissionsBoundary``, ``AssumeRolePolicyDocument`` and ``RolePath``;
- ``<Fn>Url`` (``FunctionUrlConfig``) and ``<Fn>UrlPublicPermissions`` when ``AuthType`` is
  ``NONE``; ``<Fn>EventInvokeConfig`` (``EventInvokeConfig``);
- per event ``<Fn><Event>``: the event source mapping (SQS, Kinesis, DynamoDB), rule (Schedule,
  EventBridgeRule, CloudWatchEvent), scheduler schedule (ScheduleV2), subscription (SNS),
  subscription filter (CloudWatchLogs) or topic rule (IoTRule), and ``<Fn><Event>Permission``
  with the principal of the invoking service (``<Fn><Event>Permission<Stage>`` for ``Api``);
- ``Api`` events: methods on the implicit ``ServerlessRestApi`` (stage ``Prod``) or on the
  ``RestApiId`` given, with the authorization type from ``Auth.Authorizer`` / the API's
  ``Auth.DefaultAuthorizer`` and ``ApiKeyRequired``; ``HttpApi`` events: routes on the implicit
  ``ServerlessHttpApi`` or the ``ApiId`` given. SAM writes these into an OpenAPI body, so the
  method, resource, integration and route logical ids below are ours, named after the event:
  ``<Fn><Event>Method``, ``<Api>Resource<n>``, ``<Fn><Event>Integration``, ``<Fn><Event>Route``;
- ``AWS::Serverless::Api`` -> ``AWS::ApiGateway::RestApi`` + ``<Api><StageName>Stage``;
  ``AWS::Serverless::HttpApi`` -> ``AWS::ApiGatewayV2::Api`` (+ ``<Api>ApiGatewayDefaultStage``);
  ``AWS::Serverless::LayerVersion`` -> ``AWS::Lambda::LayerVersion`` (SAM appends a content
  hash to the layer's logical id; we keep the id written, so references still resolve);
  ``AWS::Serverless::SimpleTable`` -> ``AWS::DynamoDB::Table``.

A local ``CodeUri`` (a path, before ``sam package``) becomes the function's
``aws:asset:path`` metadata, so the code is scanned as a CDK asset would be.

Intrinsics (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``...) are copied as written: they are evaluated
later, with the rest of the template. The input is never modified; a template that is not a SAM
template is returned as is (the same object).

A shape the SAM transform itself rejects, and that the expansion could only skip by hiding what
it means (``Events`` that is a list, an event without ``Type``, ``Policies: 42``, a policy
template whose parameters are not a mapping, ``Globals`` or ``FunctionUrlConfig`` that is not a
mapping, a ``CodeUri`` list...), raises ``InputError``: one line that starts with the file and
the place (``app.yaml: Resources/Fn/Properties/Events/Api: expected ...``) and never repeats
the value. A value SAM copies into the function (``Layers``, ``Environment``, ``VpcConfig``...)
is left for the model to read as it reads any template, and a value that only refines what is
generated (an odd ``Path``, an ``Auth`` that is not a mapping) falls back to the default that
reports more, not less.

Not expanded (the model does not see them): ``AutoPublishAlias`` / ``DeploymentPreference``
(no version, alias or CodeDeploy resources: permissions target the function itself), policy
templates not in ``SAM_POLICY_TEMPLATES`` (ignored, as are ``Connectors``), the role policies
SAM adds for event-invoke and event-source destinations, the bucket notification an ``S3``
event writes into its bucket, queues/topics SAM creates for a ``DeadLetterConfig`` or
``DestinationConfig`` with a ``Type`` but no ARN (except the event invoke config's), API
request models / validators / usage plans / custom domains / CORS / resource policies,
OpenAPI ``DefinitionBody`` contents, authorizer resources (a named authorizer gives the method
or route its authorization type only), ``Globals`` other than ``Function``, ``Api`` and
``HttpApi``, and ``AWS::Serverless::StateMachine`` / ``Application`` / ``GraphQLApi`` /
``Connector`` (left as they are, unknown to the rules).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from guardrails.errors import InputError

TRANSFORM = "AWS::Serverless-2016-10-31"
_SERVERLESS = "AWS::Serverless::"
_PASSTHROUGH = ("Condition", "DeletionPolicy", "UpdateReplacePolicy")
_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Action": ["sts:AssumeRole"],
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com"]},
        }
    ],
}
#: SAM function properties copied unchanged into ``AWS::Lambda::Function``
_COPIED = (
    "FunctionName",
    "Description",
    "Handler",
    "Runtime",
    "MemorySize",
    "Timeout",
    "Environment",
    "KmsKeyArn",
    "VpcConfig",
    "ReservedConcurrentExecutions",
    "Layers",
    "CodeSigningConfigArn",
    "PackageType",
    "LoggingConfig",
    "Architectures",
    "EphemeralStorage",
    "ImageConfig",
    "FileSystemConfigs",
    "SnapStart",
    "RuntimeManagementConfig",
    "RecursiveLoop",
)
_DLQ_ACTIONS = {"SQS": "sqs:SendMessage", "SNS": "sns:Publish"}
#: poll-based event type -> (source property, managed policy SAM adds to a generated role)
_PULL_EVENTS = {
    "SQS": ("Queue", "service-role/AWSLambdaSQSQueueExecutionRole"),
    "Kinesis": ("Stream", "service-role/AWSLambdaKinesisExecutionRole"),
    "DynamoDB": ("Stream", "service-role/AWSLambdaDynamoDBExecutionRole"),
}
_ESM_COPIED = (
    "BatchSize",
    "Enabled",
    "FilterCriteria",
    "FunctionResponseTypes",
    "MaximumBatchingWindowInSeconds",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "BisectBatchOnFunctionError",
    "ParallelizationFactor",
    "StartingPosition",
    "StartingPositionTimestamp",
    "TumblingWindowInSeconds",
    "ScalingConfig",
)


def _managed(name: str) -> dict[str, str]:
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::aws:policy/{name}"}


def _arn(pattern: str, **params: str) -> dict[str, Any]:
    """``Fn::Sub`` of a policy template: ``${var}`` bound to ``Ref`` of a template parameter."""
    return {"Fn::Sub": [pattern, {var: {"Ref": param} for var, param in params.items()}]}


_ACCOUNT = "arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:"
_TABLE = _ACCOUNT % "dynamodb" + "table/${tableName}"
_TABLE_RESOURCES = [
    _arn(_TABLE, tableName="TableName"),
    _arn(_TABLE + "/index/*", tableName="TableName"),
]
_BUCKET = "arn:${AWS::Partition}:s3:::${bucketName}"
_BUCKET_RESOURCES = [
    _arn(_BUCKET, bucketName="BucketName"),
    _arn(_BUCKET + "/*", bucketName="BucketName"),
]
_SSM_READ = ["ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"]


def _st(actions: Any, resource: Any) -> dict[str, Any]:
    return {"Action": actions, "Effect": "Allow", "Resource": resource}


#: The policy templates expanded, copied from SAM's
#: ``samtranslator/policy_templates_data/policy_templates.json``: name -> statements, where
#: ``{"Ref": <parameter>}`` stands for the value the template gives that parameter.
SAM_POLICY_TEMPLATES: dict[str, list[dict[str, Any]]] = {
    "DynamoDBCrudPolicy": [
        _st(
            [
                "dynamodb:GetItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
                "dynamodb:ConditionCheckItem",
            ],
            _TABLE_RESOURCES,
        )
    ],
    "DynamoDBReadPolicy": [
        _st(
            [
                "dynamodb:GetItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
            ],
            _TABLE_RESOURCES,
        )
    ],
    "DynamoDBWritePolicy": [
        _st(
            ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"],
            _TABLE_RESOURCES,
        )
    ],
    "S3ReadPolicy": [
        _st(
            [
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:GetLifecycleConfiguration",
            ],
            _BUCKET_RESOURCES,
        )
    ],
    "S3WritePolicy": [
        _st(["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"], _BUCKET_RESOURCES)
    ],
    "S3CrudPolicy": [
        _st(
            [
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:DeleteObject",
            ],
            _BUCKET_RESOURCES,
        )
    ],
    "SQSPollerPolicy": [
        _st(
            [
                "sqs:ChangeMessageVisibility",
                "sqs:ChangeMessageVisibilityBatch",
                "sqs:DeleteMessage",
                "sqs:DeleteMessageBatch",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            _arn(_ACCOUNT % "sqs" + "${queueName}", queueName="QueueName"),
        )
    ],
    "SQSSendMessagePolicy": [
        _st(["sqs:SendMessage*"], _arn(_ACCOUNT % "sqs" + "${queueName}", queueName="QueueName"))
    ],
    "SNSPublishMessagePolicy": [
        _st(["sns:Publish"], _arn(_ACCOUNT % "sns" + "${topicName}", topicName="TopicName"))
    ],
    "AWSSecretsManagerGetSecretValuePolicy": [
        _st(["secretsmanager:GetSecretValue"], _arn("${secretArn}", secretArn="SecretArn"))
    ],
    "SSMParameterReadPolicy": [
        _st(["ssm:DescribeParameters"], "*"),
        _st(
            _SSM_READ,
            _arn(_ACCOUNT % "ssm" + "parameter/${parameterName}", parameterName="ParameterName"),
        ),
    ],
    "SSMParameterWithSlashPrefixReadPolicy": [
        _st(["ssm:DescribeParameters"], "*"),
        _st(
            _SSM_READ,
            _arn(_ACCOUNT % "ssm" + "parameter${parameterName}", parameterName="ParameterName"),
        ),
    ],
    "KMSDecryptPolicy": [
        _st("kms:Decrypt", _arn(_ACCOUNT % "kms" + "key/${keyId}", keyId="KeyId"))
    ],
    "LambdaInvokePolicy": [
        _st(
            ["lambda:InvokeFunction"],
            _arn(_ACCOUNT % "lambda" + "function:${functionName}*", functionName="FunctionName"),
        )
    ],
    "KinesisStreamReadPolicy": [
        _st(
            ["kinesis:ListStreams", "kinesis:DescribeLimits"],
            {"Fn::Sub": _ACCOUNT % "kinesis" + "stream/*"},
        ),
        _st(
            [
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
            ],
            _arn(_ACCOUNT % "kinesis" + "stream/${streamName}", streamName="StreamName"),
        ),
    ],
    "EventBridgePutEventsPolicy": [
        _st(
            "events:PutEvents",
            _arn(_ACCOUNT % "events" + "event-bus/${eventBusName}", eventBusName="EventBusName"),
        )
    ],
    "StepFunctionsExecutionPolicy": [
        _st(
            ["states:StartExecution"],
            _arn(
                _ACCOUNT % "states" + "stateMachine:${stateMachineName}",
                stateMachineName="StateMachineName",
            ),
        )
    ],
}
_INTRINSIC = re.compile(r"^(Ref|Fn::[A-Za-z]+)$")


# -- entry point ------------------------------------------------------------------------------
def is_sam(doc: Mapping[str, Any]) -> bool:
    """The template declares the SAM transform (alone or in a list) or a serverless resource."""
    transform = doc.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    if TRANSFORM in transforms:
        return True
    resources = doc.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith(_SERVERLESS)
        for r in resources.values()
    )


def expand(doc: dict[str, Any], source: str = "template") -> dict[str, Any]:
    """The template with its serverless resources replaced by what SAM generates; ``doc`` itself
    when it is not a SAM template. ``doc`` is never modified.

    ``source`` (the template's path) starts every ``InputError`` message, so that the one line a
    CI log shows names the file to fix."""
    if not is_sam(doc):
        return doc
    try:
        return _Expansion(copy.deepcopy(doc), source).run()
    except RecursionError:
        raise InputError(f"{source}: nested too deep to expand; fix the SAM template") from None


# -- helpers ----------------------------------------------------------------------------------
def merge_globals(global_props: Any, local: Any) -> Any:
    """SAM's ``Globals`` merge: maps merged key by key, lists concatenated (global first),
    anything else taken from the resource."""
    if isinstance(global_props, dict) and isinstance(local, dict):
        if any(_INTRINSIC.match(k) for k in (*global_props, *local)):
            return copy.deepcopy(local)  # an intrinsic is a value, not a map to merge
        merged = copy.deepcopy(global_props)
        for key, value in local.items():
            merged[key] = merge_globals(merged[key], value) if key in merged else value
        return merged
    if isinstance(global_props, list) and isinstance(local, list):
        return copy.deepcopy(global_props) + local
    return local


def _ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def _arn_of(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _bind(value: Any, params: Mapping[str, Any]) -> Any:
    """A policy template's statements with ``{"Ref": <parameter>}`` replaced by its value."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in params:
            return copy.deepcopy(params[value["Ref"]])
        return {k: _bind(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [_bind(v, params) for v in value]
    return value


def _literal(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _alnum(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


def _name(key: Any) -> str:
    """A logical id or event name for a message. SAM's are alphanumeric (they become parts of
    generated logical ids); anything else is not shown, as it could be a value pasted there."""
    text = str(key)
    return text if text.isascii() and text.isalnum() and len(text) <= 255 else "<invalid name>"


def _ref_id(value: Any) -> str | None:
    """The logical id a ``{"Ref": <id>}`` names; ``None`` for anything else."""
    ref = value.get("Ref") if isinstance(value, dict) else None
    return ref if isinstance(ref, str) else None


#: SAM function properties that must be mappings when present, and what the message says
_FUNCTION_MAPPINGS = {
    "Events": "a mapping of event names to {Type, Properties}",
    "FunctionUrlConfig": "a mapping with AuthType",
    "DeadLetterQueue": "a mapping with Type (SQS or SNS) and TargetArn",
    "EventInvokeConfig": "a mapping with MaximumRetryAttempts, DestinationConfig and the like",
    "Tags": "a mapping of tag names to values",
}
_POLICY_FORMS = "a managed policy name or ARN, a policy document or a policy template"


def _tags(tags: Any) -> list[dict[str, Any]]:
    out = [{"Key": "lambda:createdBy", "Value": "SAM"}]
    if isinstance(tags, dict):
        out.extend({"Key": k, "Value": v} for k, v in tags.items())
    return out


class _Expansion:
    def __init__(self, doc: dict[str, Any], source: str = "template") -> None:
        self.doc = doc
        self.where = source
        raw_globals = doc.pop("Globals", None)
        if raw_globals is not None and not isinstance(raw_globals, dict):
            raise self.fail("Globals", "expected a mapping of sections (Function, Api, ...)")
        self.globals: dict[str, Any] = raw_globals or {}
        for section in ("Function", "Api", "HttpApi", "LayerVersion", "SimpleTable"):
            value = self.globals.get(section)
            if value is not None and not isinstance(value, dict):
                raise self.fail(f"Globals/{section}", "expected a mapping of properties")
        if isinstance(self.globals.get("Function"), dict):
            self.check_function(self.globals["Function"], "Globals/Function")
        resources = doc.get("Resources")
        self.source: dict[str, Any] = resources if isinstance(resources, dict) else {}
        self.out: dict[str, Any] = {}
        self.api_resources: dict[tuple[str, str], str] = {}

    def run(self) -> dict[str, Any]:
        for logical_id, resource in self.source.items():
            kind = resource.get("Type") if isinstance(resource, dict) else None
            kind = kind if isinstance(kind, str) else None
            handlers = {
                "AWS::Serverless::Function": self.function,
                "AWS::Serverless::Api": self.rest_api,
                "AWS::Serverless::HttpApi": self.http_api,
                "AWS::Serverless::LayerVersion": self.layer,
                "AWS::Serverless::SimpleTable": self.simple_table,
            }
            handler = handlers.get(kind) if kind is not None else None
            if handler is None:
                self.out.setdefault(logical_id, resource)
            else:
                handler(logical_id, resource)
        self.doc["Resources"] = self.out
        return self.doc

    # -- plumbing -----------------------------------------------------------------------------
    def fail(self, where: str, problem: str) -> InputError:
        """The one-line error for a shape SAM itself would reject: the file, the place, what is
        expected, and never the value found (it could be a credential pasted in the wrong
        place)."""
        return InputError(f"{self.where}: {where}: {problem}; fix the SAM template")

    def _props(self, logical_id: str, resource: dict[str, Any], section: str) -> dict[str, Any]:
        props = resource.get("Properties")
        if props is not None and not isinstance(props, dict):
            raise self.fail(f"Resources/{_name(logical_id)}/Properties", "expected a mapping")
        props = props or {}
        global_props = self.globals.get(section)
        return merge_globals(global_props, props) if isinstance(global_props, dict) else props

    def add(
        self,
        logical_id: str,
        kind: str,
        props: dict[str, Any],
        owner: Mapping[str, Any],
        metadata: Any = None,
    ) -> None:
        resource: dict[str, Any] = {"Type": kind, "Properties": props}
        resource.update({k: owner[k] for k in _PASSTHROUGH if k in owner})
        if metadata:
            resource["Metadata"] = metadata
        if logical_id not in self.source or self.source[logical_id] is owner:
            self.out[logical_id] = resource

    # -- functions ----------------------------------------------------------------------------
    def check_function(self, sam: Mapping[str, Any], where: str) -> None:
        """Reject the shapes of a function's properties (or of ``Globals/Function``) that SAM
        rejects and the expansion cannot read: silently skipping an event or a URL it could not
        understand would hide a front door from the rules."""
        for key, expected in _FUNCTION_MAPPINGS.items():
            if sam.get(key) is not None and not isinstance(sam[key], dict):
                raise self.fail(f"{where}/{key}", f"expected {expected}")
        code_uri = sam.get("CodeUri")
        if code_uri is not None and not isinstance(code_uri, (str, dict)):
            raise self.fail(
                f"{where}/CodeUri", "expected a local path, an s3:// URI or {Bucket, Key}"
            )
        dlq = sam.get("DeadLetterQueue") or {}
        if "Type" in dlq and not isinstance(dlq["Type"], str):
            raise self.fail(f"{where}/DeadLetterQueue/Type", "expected SQS or SNS")
        self._check_event_invoke_config(sam.get("EventInvokeConfig"), where)
        self._check_policies(sam.get("Policies"), f"{where}/Policies")
        for name, event in (sam.get("Events") or {}).items():
            at = f"{where}/Events/{_name(name)}"
            if not isinstance(event, dict) or not isinstance(event.get("Type"), str):
                raise self.fail(at, "expected a mapping with Type and Properties")
            if event.get("Properties") is not None and not isinstance(event["Properties"], dict):
                raise self.fail(f"{at}/Properties", "expected a mapping")

    def _check_event_invoke_config(self, config: Any, where: str) -> None:
        destinations = config.get("DestinationConfig") if isinstance(config, dict) else None
        if destinations is None:
            return
        at = f"{where}/EventInvokeConfig/DestinationConfig"
        if not isinstance(destinations, dict):
            raise self.fail(at, "expected a mapping with OnSuccess and/or OnFailure")
        for which in ("OnSuccess", "OnFailure"):
            dest = destinations.get(which)
            if dest is not None and not isinstance(dest, dict):
                raise self.fail(f"{at}/{which}", "expected a mapping with Type and Destination")

    def _check_policies(self, raw: Any, where: str) -> None:
        if raw is None:
            return
        if isinstance(raw, (str, dict)):
            places = [(raw, where)]
        elif isinstance(raw, list):
            places = [(entry, f"{where}/{i}") for i, entry in enumerate(raw)]
        else:
            raise self.fail(where, f"expected {_POLICY_FORMS}, or a list of them")
        for entry, at in places:
            if not isinstance(entry, (str, dict)):
                raise self.fail(at, f"expected {_POLICY_FORMS}")
            if isinstance(entry, dict) and "Statement" not in entry and len(entry) == 1:
                name, params = next(iter(entry.items()))
                if name in SAM_POLICY_TEMPLATES and not isinstance(params, dict):
                    raise self.fail(
                        f"{at}/{name}", "expected a mapping of the policy template's parameters"
                    )

    def function(self, fn_id: str, resource: dict[str, Any]) -> None:
        sam = self._props(fn_id, resource, "Function")  # checks that Properties is a mapping
        self.check_function(
            resource.get("Properties") or {}, f"Resources/{_name(fn_id)}/Properties"
        )
        props = {k: sam[k] for k in _COPIED if k in sam}
        metadata = dict(resource["Metadata"]) if isinstance(resource.get("Metadata"), dict) else {}
        props["Code"] = self._code(sam, metadata)
        tracing = sam.get("Tracing")
        if tracing is not None and tracing != "Disabled":
            props["TracingConfig"] = {"Mode": tracing}
        dlq = sam.get("DeadLetterQueue")
        if isinstance(dlq, dict) and "TargetArn" in dlq:
            props["DeadLetterConfig"] = {"TargetArn": dlq["TargetArn"]}
        props["Tags"] = _tags(sam.get("Tags"))
        events: dict[Any, Any] = sam.get("Events") or {}
        if "Role" in sam:
            props["Role"] = sam["Role"]
        else:
            props["Role"] = _arn_of(f"{fn_id}Role")
            self.role(fn_id, sam, events, resource)
        self.add(fn_id, "AWS::Lambda::Function", props, resource, metadata)
        self.event_invoke_config(fn_id, sam.get("EventInvokeConfig"), resource)
        self.url(fn_id, sam.get("FunctionUrlConfig"), resource)
        for name, event in events.items():
            self.event(fn_id, f"{fn_id}{name}", event, resource)

    def _code(self, sam: Mapping[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
        if "InlineCode" in sam:
            return {"ZipFile": sam["InlineCode"]}
        if "ImageUri" in sam:
            return {"ImageUri": sam["ImageUri"]}
        uri = sam.get("CodeUri")
        if isinstance(uri, dict) and ("Bucket" in uri or "Key" in uri):
            code = {"S3Bucket": uri.get("Bucket"), "S3Key": uri.get("Key")}
            if "Version" in uri:
                code["S3ObjectVersion"] = uri["Version"]
            return code
        if isinstance(uri, str) and uri.startswith("s3://"):
            bucket, _, key = uri[len("s3://") :].partition("/")
            return {"S3Bucket": bucket, "S3Key": key}
        if isinstance(uri, str):
            # a local directory or file, before ``sam package``: scanned like a CDK asset
            if "aws:asset:path" not in metadata:
                metadata["aws:asset:path"] = uri
                metadata["aws:asset:property"] = "Code"
            return {"S3Key": uri}
        return {"S3Key": uri} if uri is not None else {}

    def role(
        self, fn_id: str, sam: Mapping[str, Any], events: Mapping[str, Any], owner: Mapping
    ) -> None:
        role_id = f"{fn_id}Role"
        arns: list[Any] = [_managed("service-role/AWSLambdaBasicExecutionRole")]
        tracing = sam.get("Tracing")
        if tracing is not None and tracing != "Disabled":
            arns.append(_managed("AWSXrayWriteOnlyAccess"))
        if sam.get("VpcConfig"):
            arns.append(_managed("service-role/AWSLambdaVPCAccessExecutionRole"))
        for event in events.values():
            pull = (
                _PULL_EVENTS.get(event["Type"])
                if isinstance(event, dict) and "Type" in event
                else None
            )
            if pull and _managed(pull[1]) not in arns:
                arns.append(_managed(pull[1]))
        policies: list[dict[str, Any]] = []
        dlq = sam.get("DeadLetterQueue")
        if isinstance(dlq, dict) and dlq.get("Type") in _DLQ_ACTIONS and "TargetArn" in dlq:
            policies.append(
                {
                    "PolicyName": "DeadLetterQueuePolicy",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [_st(_DLQ_ACTIONS[dlq["Type"]], dlq["TargetArn"])],
                    },
                }
            )
        raw = sam.get("Policies")
        entries = raw if isinstance(raw, list) else [raw] if raw is not None else []
        for i, entry in enumerate(entries):
            document = self._policy_document(entry)
            if document is not None:
                policies.append({"PolicyName": f"{role_id}Policy{i}", "PolicyDocument": document})
            elif isinstance(entry, str):
                arn = entry if entry.startswith("arn:") else _managed(entry)
                if arn not in arns:
                    arns.append(arn)
            elif (
                isinstance(entry, dict) and len(entry) == 1 and _INTRINSIC.match(next(iter(entry)))
            ):
                arns.append(entry)  # an intrinsic: a managed policy ARN
        props: dict[str, Any] = {
            "AssumeRolePolicyDocument": sam.get("AssumeRolePolicyDocument")
            or copy.deepcopy(_LAMBDA_TRUST),
            "ManagedPolicyArns": arns,
            "Tags": _tags(sam.get("Tags")),
        }
        if policies:
            props["Policies"] = policies
        for key, target in (("PermissionsBoundary", "PermissionsBoundary"), ("RolePath", "Path")):
            if key in sam:
                props[target] = sam[key]
        self.add(role_id, "AWS::IAM::Role", props, owner)

    @staticmethod
    def _policy_document(entry: Any) -> dict[str, Any] | None:
        """An inline document, or a known policy template bound to its parameters."""
        if not isinstance(entry, dict):
            return None
        if "Statement" in entry:
            return entry
        if len(entry) == 1:
            name, params = next(iter(entry.items()))
            template = SAM_POLICY_TEMPLATES.get(name)
            if template is not None:
                bound = _bind(template, params if isinstance(params, dict) else {})
                return {"Statement": bound}
        return None

    def event_invoke_config(self, fn_id: str, config: Any, owner: Mapping) -> None:
        if not isinstance(config, dict):
            return
        props: dict[str, Any] = {"FunctionName": _ref(fn_id), "Qualifier": "$LATEST"}
        for key in ("MaximumEventAgeInSeconds", "MaximumRetryAttempts"):
            if key in config:
                props[key] = config[key]
        destinations = config.get("DestinationConfig")
        if isinstance(destinations, dict):
            out: dict[str, Any] = {}
            for which in ("OnSuccess", "OnFailure"):
                dest = destinations.get(which)
                if not isinstance(dest, dict):
                    continue
                arn = dest.get("Destination")
                if arn is None and dest.get("Type") in ("SQS", "SNS"):
                    noun = "Queue" if dest["Type"] == "SQS" else "Topic"
                    created = f"{fn_id}EventInvokeConfig{which}{noun}"
                    if dest["Type"] == "SQS":
                        self.add(created, "AWS::SQS::Queue", {}, owner)
                        arn = _arn_of(created)
                    else:
                        self.add(created, "AWS::SNS::Topic", {}, owner)
                        arn = _ref(created)
                if arn is not None:
                    out[which] = {"Destination": arn}
            if out:
                props["DestinationConfig"] = out
        self.add(f"{fn_id}EventInvokeConfig", "AWS::Lambda::EventInvokeConfig", props, owner)

    def url(self, fn_id: str, config: Any, owner: Mapping) -> None:
        if not isinstance(config, dict):
            return
        props: dict[str, Any] = {
            "TargetFunctionArn": _ref(fn_id),
            "AuthType": config.get("AuthType"),
        }
        for key in ("Cors", "InvokeMode"):
            if key in config:
                props[key] = config[key]
        self.add(f"{fn_id}Url", "AWS::Lambda::Url", props, owner)
        if config.get("AuthType") == "NONE":
            self.add(
                f"{fn_id}UrlPublicPermissions",
                "AWS::Lambda::Permission",
                {
                    "Action": "lambda:InvokeFunctionUrl",
                    "FunctionName": _ref(fn_id),
                    "Principal": "*",
                    "FunctionUrlAuthType": "NONE",
                },
                owner,
            )

    # -- events -------------------------------------------------------------------------------
    def permission(
        self, fn_id: str, logical_id: str, principal: str, owner: Mapping, **source: Any
    ) -> None:
        props = {
            "Action": "lambda:InvokeFunction",
            "FunctionName": _ref(fn_id),
            "Principal": principal,
        }
        props.update({k: v for k, v in source.items() if v is not None})
        self.add(logical_id, "AWS::Lambda::Permission", props, owner)

    def event(self, fn_id: str, event_id: str, event: Mapping[str, Any], owner: Mapping) -> None:
        kind = event.get("Type")
        p: dict[str, Any] = event.get("Properties") or {}
        if kind in _PULL_EVENTS:
            props: dict[str, Any] = {
                "FunctionName": _ref(fn_id),
                "EventSourceArn": p.get(_PULL_EVENTS[kind][0]),
            }
            props.update({k: p[k] for k in _ESM_COPIED if k in p})
            destinations = p.get("DestinationConfig")
            on_failure = destinations.get("OnFailure") if isinstance(destinations, dict) else None
            if isinstance(on_failure, dict) and "Destination" in on_failure:
                props["DestinationConfig"] = {
                    "OnFailure": {"Destination": on_failure["Destination"]}
                }
            self.add(event_id, "AWS::Lambda::EventSourceMapping", props, owner)
        elif kind == "S3":
            self.permission(
                fn_id,
                f"{event_id}Permission",
                "s3.amazonaws.com",
                owner,
                SourceAccount=_ref("AWS::AccountId"),
            )
        elif kind == "SNS":
            topic = p.get("Topic")
            self.add(
                event_id,
                "AWS::SNS::Subscription",
                {"Endpoint": _arn_of(fn_id), "Protocol": "lambda", "TopicArn": topic},
                owner,
            )
            self.permission(
                fn_id, f"{event_id}Permission", "sns.amazonaws.com", owner, SourceArn=topic
            )
        elif kind in ("Schedule", "EventBridgeRule", "CloudWatchEvent"):
            self.events_rule(fn_id, event_id, kind, p, owner)
        elif kind == "ScheduleV2":
            target: dict[str, Any] = {"Arn": _arn_of(fn_id)}
            if "RoleArn" in p:
                target["RoleArn"] = p["RoleArn"]
            for key in ("DeadLetterConfig", "RetryPolicy"):
                if isinstance(p.get(key), dict) and key == "RetryPolicy":
                    target[key] = p[key]
                elif isinstance(p.get(key), dict) and "Arn" in p[key]:
                    target[key] = {"Arn": p[key]["Arn"]}
            props = {
                "ScheduleExpression": p.get("ScheduleExpression"),
                "FlexibleTimeWindow": p.get("FlexibleTimeWindow") or {"Mode": "OFF"},
                "Target": target,
            }
            self.add(event_id, "AWS::Scheduler::Schedule", props, owner)
        elif kind == "CloudWatchLogs":
            group = p.get("LogGroupName")
            self.add(
                event_id,
                "AWS::Logs::SubscriptionFilter",
                {
                    "DestinationArn": _arn_of(fn_id),
                    "FilterPattern": p.get("FilterPattern"),
                    "LogGroupName": group,
                },
                owner,
            )
            self.permission(
                fn_id,
                f"{event_id}Permission",
                "logs.amazonaws.com",
                owner,
                SourceArn={
                    "Fn::Sub": [
                        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
                        "log-group:${__LogGroupName__}:*",
                        {"__LogGroupName__": group},
                    ]
                },
            )
        elif kind == "IoTRule":
            self.add(
                event_id,
                "AWS::IoT::TopicRule",
                {
                    "TopicRulePayload": {
                        "Sql": p.get("Sql"),
                        "RuleDisabled": False,
                        "Actions": [{"Lambda": {"FunctionArn": _arn_of(fn_id)}}],
                    }
                },
                owner,
            )
            self.permission(
                fn_id,
                f"{event_id}Permission",
                "iot.amazonaws.com",
                owner,
                SourceArn={
                    "Fn::Sub": [
                        "arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:rule/${RuleName}",
                        {"RuleName": _ref(event_id)},
                    ]
                },
                SourceAccount={"Fn::Sub": "${AWS::AccountId}"},
            )
        elif kind == "Api":
            self.api_event(fn_id, event_id, p, owner)
        elif kind == "HttpApi":
            self.http_api_event(fn_id, event_id, p, owner)

    def events_rule(
        self, fn_id: str, event_id: str, kind: str, p: Mapping[str, Any], owner: Mapping
    ) -> None:
        target: dict[str, Any] = {"Arn": _arn_of(fn_id), "Id": f"{event_id}LambdaTarget"}
        dlq = p.get("DeadLetterConfig")
        if isinstance(dlq, dict) and "Arn" in dlq:
            target["DeadLetterConfig"] = {"Arn": dlq["Arn"]}
        if isinstance(p.get("RetryPolicy"), dict):
            target["RetryPolicy"] = p["RetryPolicy"]
        if "Input" in p:
            target["Input"] = p["Input"]
        props: dict[str, Any] = {"Targets": [target]}
        if kind == "Schedule":
            props["ScheduleExpression"] = p.get("Schedule")
            enabled = p.get("Enabled")
            if isinstance(enabled, bool):
                props["State"] = "ENABLED" if enabled else "DISABLED"
        else:
            props["EventPattern"] = p.get("Pattern")
            if "EventBusName" in p:
                props["EventBusName"] = p["EventBusName"]
        for key, target_key in (("State", "State"), ("Name", "Name"), ("RuleName", "Name")):
            if key in p:
                props[target_key] = p[key]
        self.add(event_id, "AWS::Events::Rule", props, owner)
        self.permission(
            fn_id,
            f"{event_id}Permission",
            "events.amazonaws.com",
            owner,
            SourceArn=_arn_of(event_id),
        )

    # -- REST APIs ----------------------------------------------------------------------------
    def _api_auth(self, api_id: str | None, section: str) -> dict[str, Any]:
        """The ``Auth`` of an explicit API of the template (or of the implicit one)."""
        source = self.source.get(api_id) if api_id else None
        if isinstance(source, dict) and str(source.get("Type", "")).startswith(_SERVERLESS):
            auth = self._props(str(api_id), source, section).get("Auth")
        else:
            auth = (self.globals.get(section) or {}).get("Auth") if api_id is None else None
        return auth if isinstance(auth, dict) else {}

    def api_event(self, fn_id: str, event_id: str, p: Mapping[str, Any], owner: Mapping) -> None:
        given = p.get("RestApiId")
        api_id = _ref_id(given)
        if given is None:
            api_id = "ServerlessRestApi"
            if api_id not in self.out:
                self.add(
                    api_id, "AWS::ApiGateway::RestApi", {"Name": _ref("AWS::StackName")}, owner
                )
                self.add(
                    f"{api_id}ProdStage",
                    "AWS::ApiGateway::Stage",
                    {"RestApiId": _ref(api_id), "StageName": "Prod"},
                    owner,
                )
        rest_api_id = _ref(api_id) if api_id else given
        api_auth = self._api_auth(api_id if given is not None else None, "Api")
        raw_auth = p.get("Auth")
        auth = raw_auth if isinstance(raw_auth, dict) else {}
        authorizer = auth.get("Authorizer", api_auth.get("DefaultAuthorizer"))
        method = _literal(p.get("Method")) or "ANY"
        method = "ANY" if method.lower() == "any" else method.upper()
        props: dict[str, Any] = {
            "RestApiId": rest_api_id,
            "ResourceId": self._api_path(
                api_id, rest_api_id, _literal(p.get("Path")) or "/", owner
            ),
            "HttpMethod": method,
            "AuthorizationType": self._rest_auth_type(authorizer, api_auth),
            "Integration": {
                "Type": "AWS_PROXY",
                "IntegrationHttpMethod": "POST",
                "Uri": {
                    "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/"
                    f"2015-03-31/functions/${{{fn_id}.Arn}}/invocations"
                },
            },
        }
        key_required = auth.get("ApiKeyRequired", api_auth.get("ApiKeyRequired"))
        if key_required is not None:
            props["ApiKeyRequired"] = key_required
        self.add(f"{event_id}Method", "AWS::ApiGateway::Method", props, owner)
        stage = "Prod"
        if given is not None and api_id in self.source:
            api = self.source[api_id]
            stage_name = _literal(self._props(api_id, api, "Api").get("StageName"))
            stage = stage_name if stage_name and stage_name.isalnum() else "Stage"
        path = re.sub(r"^(.+)/$", r"\1", _literal(p.get("Path")) or "/")
        self.permission(
            fn_id,
            f"{event_id}Permission{stage}",
            "apigateway.amazonaws.com",
            owner,
            SourceArn={
                "Fn::Sub": [
                    "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
                    f"${{__ApiId__}}/${{__Stage__}}/{'*' if method == 'ANY' else method}{path}",
                    {"__ApiId__": rest_api_id, "__Stage__": "*"},
                ]
            },
        )

    @staticmethod
    def _rest_auth_type(authorizer: Any, api_auth: Mapping[str, Any]) -> Any:
        if authorizer is None or authorizer == "NONE":
            return "NONE"
        if authorizer == "AWS_IAM":
            return "AWS_IAM"
        if not isinstance(authorizer, str):
            return authorizer  # an intrinsic: decided at deploy time
        authorizers = api_auth.get("Authorizers")
        definition = authorizers.get(authorizer) if isinstance(authorizers, dict) else None
        if isinstance(definition, dict) and "UserPoolArn" in definition:
            return "COGNITO_USER_POOLS"
        return "CUSTOM"

    def _api_path(self, api_id: str | None, rest_api_id: Any, path: str, owner: Mapping) -> Any:
        """The ``ResourceId`` of ``path``: the root resource, or a chain of resources."""
        if not api_id:
            return None
        parent: Any = {"Fn::GetAtt": [api_id, "RootResourceId"]}
        so_far = ""
        for part in [s for s in path.split("/") if s]:
            so_far += "/" + part
            key = (api_id, so_far)
            if key not in self.api_resources:
                logical_id = f"{api_id}Resource{len(self.api_resources) + 1}"
                self.api_resources[key] = logical_id
                self.add(
                    logical_id,
                    "AWS::ApiGateway::Resource",
                    {"RestApiId": rest_api_id, "ParentId": parent, "PathPart": part},
                    owner,
                )
            parent = _ref(self.api_resources[key])
        return parent

    def rest_api(self, api_id: str, resource: dict[str, Any]) -> None:
        sam = self._props(api_id, resource, "Api")
        props: dict[str, Any] = {
            k: sam[k]
            for k in ("Name", "Description", "EndpointConfiguration", "BinaryMediaTypes")
            if k in sam
        }
        if isinstance(props.get("EndpointConfiguration"), str):
            props["EndpointConfiguration"] = {"Types": [props["EndpointConfiguration"]]}
        if "DefinitionBody" in sam:
            props["Body"] = sam["DefinitionBody"]
        self.add(api_id, "AWS::ApiGateway::RestApi", props, resource, resource.get("Metadata"))
        stage_name = sam.get("StageName")
        suffix = _literal(stage_name)
        stage_props = {"RestApiId": _ref(api_id), "StageName": stage_name}
        for key in ("TracingEnabled", "MethodSettings", "AccessLogSetting", "CacheClusterEnabled"):
            if key in sam:
                stage_props[key] = sam[key]
        self.add(
            f"{api_id}{_alnum(suffix) if suffix else ''}Stage",
            "AWS::ApiGateway::Stage",
            stage_props,
            resource,
        )

    # -- HTTP APIs ----------------------------------------------------------------------------
    def http_api_event(
        self, fn_id: str, event_id: str, p: Mapping[str, Any], owner: Mapping
    ) -> None:
        given = p.get("ApiId")
        api_id = _ref_id(given)
        if given is None:
            api_id = "ServerlessHttpApi"
            if api_id not in self.out:
                self.add(
                    api_id,
                    "AWS::ApiGatewayV2::Api",
                    {"Name": _ref("AWS::StackName"), "ProtocolType": "HTTP"},
                    owner,
                )
                self.add(
                    f"{api_id}ApiGatewayDefaultStage",
                    "AWS::ApiGatewayV2::Stage",
                    {"ApiId": _ref(api_id), "StageName": "$default", "AutoDeploy": True},
                    owner,
                )
        api_ref = _ref(api_id) if api_id else given
        api_auth = self._api_auth(api_id if given is not None else None, "HttpApi")
        raw_auth = p.get("Auth")
        auth = raw_auth if isinstance(raw_auth, dict) else {}
        authorizer = auth.get("Authorizer", api_auth.get("DefaultAuthorizer"))
        self.add(
            f"{event_id}Integration",
            "AWS::ApiGatewayV2::Integration",
            {
                "ApiId": api_ref,
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": _arn_of(fn_id),
                "PayloadFormatVersion": p.get("PayloadFormatVersion", "2.0"),
            },
            owner,
        )
        path, method = _literal(p.get("Path")), _literal(p.get("Method"))
        verb = "ANY" if not method or method.lower() == "any" else method.upper()
        route_key = "$default" if path is None and method is None else f"{verb} {path or '/'}"
        props: dict[str, Any] = {
            "ApiId": api_ref,
            "RouteKey": route_key,
            "Target": {"Fn::Join": ["/", ["integrations", _ref(f"{event_id}Integration")]]},
            "AuthorizationType": self._http_auth_type(authorizer, api_auth),
        }
        if isinstance(authorizer, str) and authorizer not in ("NONE", "AWS_IAM"):
            props["AuthorizerId"] = authorizer
        self.add(f"{event_id}Route", "AWS::ApiGatewayV2::Route", props, owner)
        self.permission(
            fn_id,
            f"{event_id}Permission",
            "apigateway.amazonaws.com",
            owner,
            SourceArn={
                "Fn::Sub": [
                    "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
                    "${__ApiId__}/*",
                    {"__ApiId__": api_ref},
                ]
            },
        )

    @staticmethod
    def _http_auth_type(authorizer: Any, api_auth: Mapping[str, Any]) -> Any:
        if authorizer is None or authorizer == "NONE":
            return "NONE"
        if authorizer == "AWS_IAM":
            return "AWS_IAM"
        if not isinstance(authorizer, str):
            return authorizer
        authorizers = api_auth.get("Authorizers")
        definition = authorizers.get(authorizer) if isinstance(authorizers, dict) else None
        if isinstance(definition, dict) and "JwtConfiguration" in definition:
            return "JWT"
        return "CUSTOM"

    def http_api(self, api_id: str, resource: dict[str, Any]) -> None:
        sam = self._props(api_id, resource, "HttpApi")
        props: dict[str, Any] = {
            k: sam[k] for k in ("Name", "Description", "DisableExecuteApiEndpoint") if k in sam
        }
        props["ProtocolType"] = "HTTP"
        if "CorsConfiguration" in sam and isinstance(sam["CorsConfiguration"], dict):
            props["CorsConfiguration"] = sam["CorsConfiguration"]
        if "DefinitionBody" in sam:
            props["Body"] = sam["DefinitionBody"]
        self.add(api_id, "AWS::ApiGatewayV2::Api", props, resource, resource.get("Metadata"))
        stage_name = sam.get("StageName", "$default")
        suffix = (
            "ApiGatewayDefault" if stage_name == "$default" else _alnum(_literal(stage_name) or "")
        )
        self.add(
            f"{api_id}{suffix}Stage",
            "AWS::ApiGatewayV2::Stage",
            {"ApiId": _ref(api_id), "StageName": stage_name, "AutoDeploy": True},
            resource,
        )

    # -- other resources ----------------------------------------------------------------------
    def layer(self, layer_id: str, resource: dict[str, Any]) -> None:
        sam = self._props(layer_id, resource, "LayerVersion")
        props: dict[str, Any] = {
            k: sam[k]
            for k in (
                "LayerName",
                "Description",
                "CompatibleRuntimes",
                "CompatibleArchitectures",
                "LicenseInfo",
            )
            if k in sam
        }
        uri = sam.get("ContentUri")
        if uri is not None and not isinstance(uri, (str, dict)):
            raise self.fail(
                f"Resources/{_name(layer_id)}/Properties/ContentUri",
                "expected a local path, an s3:// URI or {Bucket, Key}",
            )
        if isinstance(uri, dict):
            props["Content"] = {"S3Bucket": uri.get("Bucket"), "S3Key": uri.get("Key")}
        elif isinstance(uri, str) and uri.startswith("s3://"):
            bucket, _, key = uri[len("s3://") :].partition("/")
            props["Content"] = {"S3Bucket": bucket, "S3Key": key}
        elif uri is not None:
            props["Content"] = {"S3Key": uri}
        self.add(layer_id, "AWS::Lambda::LayerVersion", props, resource, resource.get("Metadata"))

    def simple_table(self, table_id: str, resource: dict[str, Any]) -> None:
        sam = self._props(table_id, resource, "SimpleTable")
        raw_key = sam.get("PrimaryKey")
        key = raw_key if isinstance(raw_key, dict) else {}
        name = key.get("Name", "id")
        key_type = key.get("Type", "String")
        kind = {"String": "S", "Number": "N", "Binary": "B"}.get(
            key_type if isinstance(key_type, str) else "String", "S"
        )
        props: dict[str, Any] = {
            "AttributeDefinitions": [{"AttributeName": name, "AttributeType": kind}],
            "KeySchema": [{"AttributeName": name, "KeyType": "HASH"}],
        }
        if "ProvisionedThroughput" in sam:
            props["ProvisionedThroughput"] = sam["ProvisionedThroughput"]
        else:
            props["BillingMode"] = "PAY_PER_REQUEST"
        for k in ("TableName", "SSESpecification"):
            if k in sam:
                props[k] = sam[k]
        if isinstance(sam.get("Tags"), dict):
            props["Tags"] = [{"Key": k, "Value": v} for k, v in sam["Tags"].items()]
        self.add(table_id, "AWS::DynamoDB::Table", props, resource, resource.get("Metadata"))
