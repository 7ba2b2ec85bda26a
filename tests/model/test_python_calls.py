"""The AWS SDK calls of Python handlers (``model.python_calls``) and the IAM actions they need
(``model.sdk_calls``): handlers written for the purpose, each pattern the analysis follows."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from guardrails.model import actions
from guardrails.model.python_calls import analyze, iter_python_files
from guardrails.model.sdk_calls import camel_to_snake, iam_actions


def calls(source: str, **more: str) -> list[tuple[str, tuple[str, ...], str | None]]:
    result = analyze({"app.py": source, **more})
    assert result.complete, result.partial
    return [(c.operation, c.actions, c.env) for c in result.calls]


def test_clients_and_their_operations() -> None:
    source = """
import os
import boto3

s3 = boto3.client("s3")
ddb = boto3.Session().client("dynamodb", region_name="eu-west-1")
TABLE = os.environ["TABLE"]

def handler(event, context):
    s3.get_object(Bucket=os.environ.get("BUCKET"), Key="k")
    s3.head_object(Bucket="literal", Key="k")
    ddb.put_item(TableName=TABLE, Item={})
    boto3.client("sts").get_caller_identity()  # needs no permission
"""
    assert calls(source) == [
        ("get_object", ("s3:GetObject",), "BUCKET"),
        ("head_object", ("s3:GetObject",), None),
        ("put_item", ("dynamodb:PutItem",), "TABLE"),
    ]


def test_resources_and_their_objects() -> None:
    source = """
import os
from boto3 import resource

dynamodb = resource("dynamodb")
table = dynamodb.Table(os.environ["ORDERS_TABLE"])
s3 = resource("s3")

class Store:
    def __init__(self):
        self.bucket = s3.Bucket(os.getenv("UPLOADS"))

    def save(self, path):
        self.bucket.upload_file(path, "key")
        for obj in self.bucket.objects.filter(Prefix="p/"):
            pass

def handler(event, context):
    table.put_item(Item=event)
    with table.batch_writer() as batch:
        batch.put_item(Item=event)
    s3.Object(os.environ["UPLOADS"], "k").get()
"""
    found = calls(source)
    assert ("put_item", ("dynamodb:PutItem",), "ORDERS_TABLE") in found
    assert ("batch_writer", ("dynamodb:BatchWriteItem",), "ORDERS_TABLE") in found
    assert ("upload_file", ("s3:PutObject", "s3:AbortMultipartUpload"), "UPLOADS") in found
    assert ("list_objects_v2", ("s3:ListBucket",), "UPLOADS") in found
    assert ("get_object", ("s3:GetObject",), "UPLOADS") in found


def test_paginators_waiters_and_presigned_urls() -> None:
    source = """
import boto3
s3 = boto3.client("s3")
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="b"):
    pass
s3.get_waiter("object_exists").wait(Bucket="b", Key="k")
url = s3.generate_presigned_url("put_object", Params={"Bucket": "b", "Key": "k"})
"""
    assert [(op, acts) for op, acts, _ in calls(source)] == [
        ("list_objects_v2", ("s3:ListBucket",)),
        ("head_object", ("s3:GetObject",)),
        ("put_object", ("s3:PutObject",)),
    ]


def test_clients_through_functions_and_modules() -> None:
    aws = """
import functools
import boto3

@functools.cache
def queue_client():
    return boto3.client("sqs")

events = boto3.client("events")
"""
    source = """
from .aws import events, queue_client

def handler(event, context):
    queue_client().send_message_batch(QueueUrl="u", Entries=[])
    events.put_events(Entries=[])
"""
    result = analyze({"pkg/aws.py": aws, "pkg/app.py": source})
    assert result.complete, result.partial
    assert result.actions() == ("sqs:SendMessage", "events:PutEvents")


def test_powertools_utilities() -> None:
    source = """
import os
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

layer = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])

def handler(event, context):
    return parameters.get_secret("db"), parameters.get_parameter("/app/flag")
"""
    found = calls(source)
    assert found[0] == (
        "DynamoDBPersistenceLayer",
        ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
        "IDEMPOTENCY_TABLE",
    )
    assert [c[1] for c in found[1:]] == [("secretsmanager:GetSecretValue",), ("ssm:GetParameter",)]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("import boto3\nname = 's3'\nc = boto3.client(name)\n", "not a literal"),
        ("import boto3\nc = boto3.client('s3')\ngetattr(c, 'get_object')(Bucket='b')\n", "getattr"),
        ("import boto3\nboto3.client('s3').frobnicate_bucket()\n", "not in the IAM action catalog"),
        ("def broken(:\n", "could not be parsed"),
    ],
    ids=["dynamic service", "getattr", "unknown operation", "syntax error"],
)
def test_what_makes_the_analysis_partial(source: str, reason: str) -> None:
    result = analyze({"app.py": source})
    assert not result.complete
    assert any(reason in r for r in result.partial), result.partial


def test_vendored_libraries_are_not_the_functions_code() -> None:
    files = {
        "app.py": "",
        "package/site-packages/requests/api.py": "",
        "boto3/session.py": "",
        "lib/helpers.py": "",
        "tests/test_app.py": "",
        "lib/conftest.py": "",
        "handler_test.py": "",
        "README.md": "",
    }
    assert [name for name, _ in iter_python_files(files)] == ["app.py", "lib/helpers.py"]


def test_operation_names_map_to_catalog_actions() -> None:
    assert camel_to_snake("ListObjectsV2") == "list_objects_v2"
    assert camel_to_snake("DescribeDBInstances") == "describe_db_instances"
    assert iam_actions("stepfunctions", "start_execution") == ("states:StartExecution",)
    assert iam_actions("rds", "describe_db_instances") == ("rds:DescribeDBInstances",)
    assert iam_actions("s3", "no_such_operation") is None


def test_every_action_in_the_data_is_in_the_catalog() -> None:
    text = resources.files("guardrails.data").joinpath("sdk_operations.json").read_text()
    doc = json.loads(text)
    listed = [a for ops in doc["operations"].values() for acts in ops.values() for a in acts]
    listed += [a for acts in doc["powertools"].values() for a in acts]
    for service in doc["resources"].values():
        for methods in service.values():
            listed += [a for m in methods.values() if isinstance(m, list) for a in m]
    unknown = [a for a in listed if not actions.is_known(a)]
    assert unknown == []
    for service, prefix in doc["service_prefixes"].items():
        assert prefix in actions.services(), (service, prefix)


def test_a_paginator_and_nested_parameters_name_their_resource() -> None:
    source = """
import os
import boto3

s3 = boto3.client("s3")
events = boto3.client("events")
sfn = boto3.client("stepfunctions")


def handler(event, context):
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=os.environ["BUCKET"]):
        pass
    s3.generate_presigned_url("get_object", Params={"Bucket": os.environ["BUCKET"], "Key": "k"})
    events.put_events(Entries=[{"EventBusName": os.environ["BUS"], "Source": "orders"}])
    sfn.start_execution(stateMachineArn=os.environ["STATE_MACHINE"], input="{}")
"""
    assert calls(source) == [
        ("list_objects_v2", ("s3:ListBucket",), "BUCKET"),
        ("get_object", ("s3:GetObject",), "BUCKET"),
        ("put_events", ("events:PutEvents",), "BUS"),
        ("start_execution", ("states:StartExecution",), "STATE_MACHINE"),
    ]


def test_clients_passed_to_functions_and_class_attributes() -> None:
    """A client passed to a function of the module is followed through its parameter
    (positional or keyword); a class attribute is read through ``self``; one passed to
    another module's function makes the picture partial."""
    source = """
import os
import boto3


class Store:
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

    def save(self, item):
        self.table.put_item(Item=item)


def publish(client, message, *, queue):
    client.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=message)
    queue.send_message(MessageBody=message)


def handler(event, context):
    Store().save({})
    publish(boto3.client("sqs"), "x", queue=boto3.resource("sqs").Queue(os.environ["QUEUE"]))
"""
    assert calls(source) == [
        ("put_item", ("dynamodb:PutItem",), "TABLE"),
        ("send_message", ("sqs:SendMessage",), "QUEUE_URL"),
        ("send_message", ("sqs:SendMessage",), "QUEUE"),
    ]
    library = "import boto3\nfrom transfer import sync\n\nsync(boto3.client('s3'), 'b')\n"
    assert python_analyze_partial(library) == (
        "app.py:4: an AWS SDK client or resource is passed to a function the analysis does "
        "not follow",
    )


def python_analyze_partial(source: str) -> tuple[str, ...]:
    return analyze({"app.py": source}).partial
