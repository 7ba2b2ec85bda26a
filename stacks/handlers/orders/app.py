"""Orders API handler: reads the database password from Secrets Manager at run time, by ARN."""

import json
import os

import boto3

_secrets = boto3.client("secretsmanager")
_table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    # The secret is fetched by reference; its value never sits in the function configuration.
    _secrets.get_secret_value(SecretId=os.environ["DB_SECRET_ARN"])
    order = json.loads(event.get("body") or "{}")
    _table.put_item(Item={"pk": order.get("id", "unknown"), "order": json.dumps(order)})
    return {"statusCode": 201, "body": json.dumps({"ok": True})}
