import json
import os

import boto3

_secrets = boto3.client("secretsmanager")


def handler(event, context):
    secret = _secrets.get_secret_value(SecretId=os.environ["DB_SECRET_ARN"])
    password = json.loads(secret["SecretString"])["password"]
    return {"statusCode": 200 if password else 500}
