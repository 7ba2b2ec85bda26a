"""lambda-guardrails: policy-as-code for AWS Lambda in the AWS CDK."""
