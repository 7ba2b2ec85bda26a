"""Legacy report job (kept as it was written years ago; the guardrails flag its setup)."""

import os


def handler(event, context):
    return {"statusCode": 200, "body": f"report for {os.environ.get('REPORT_BUCKET')}"}
