"""Each rule's fix in Pulumi's words (``pulumi_aws``, Python), where the catalog's CDK snippet
would not fit a Pulumi program. The pack shows these (its policies' remediation steps, the end
of each violation); ``fix_of`` falls back on the catalog's fix for a rule without one here."""

from __future__ import annotations

from guardrails.rules import get as get_rule

PULUMI_FIXES: dict[str, str] = {
    "GR-IAM-01": "Remove the AWS managed policy from the role (`managed_policy_arns` or the "
    "`aws.iam.RolePolicyAttachment`) and grant only what the function calls, in an "
    '`aws.iam.RolePolicy` with `"Action": ["dynamodb:GetItem", ...]` on the resources\' ARNs.',
    "GR-IAM-02": "Replace the `...FullAccess` managed policy with an `aws.iam.RolePolicy` that "
    "lists the actions the function calls on the resources it uses.",
    "GR-IAM-03": 'List the actions the function calls (`"Action": ["s3:GetObject"]`, '
    '`"Resource": f"{bucket.arn}/*"`) instead of `"*"` or `NotAction`.',
    "GR-IAM-04": 'Grant only the actions the function calls (`"Action": ["dynamodb:GetItem", '
    '"dynamodb:PutItem"]`) instead of `"dynamodb:*"`.',
    "GR-IAM-05": 'Name the resources the function uses (`"Resource": table.arn`, '
    '`f"{bucket.arn}/uploads/*"` through `pulumi.Output.all(...).apply(...)`); keep `"*"` only '
    "for actions that accept nothing else (`xray:PutTraceSegments`).",
    "GR-IAM-06": "Scope each such action to the one resource it is for (the role to pass, the "
    "function to update), or move the operation out of the function.",
    "GR-IAM-07": 'Grant read on the secret, parameter or key the function uses: `"Resource": '
    'secret.arn` (`key.arn`, the parameter\'s ARN), not `"*"`.',
    "GR-IAM-08": "Give each function its own `aws.iam.Role`, and each role only what its "
    "function uses.",
    "GR-IAM-09": 'Trust only Lambda in `assume_role_policy` (`"Principal": {"Service": '
    '"lambda.amazonaws.com"}`); give other callers their own role, or an '
    "`aws.lambda_.Permission` to invoke the function.",
    "GR-IAM-10": "Set `permissions_boundary=<the policy's permissions_boundary>` on every "
    "`aws.iam.Role` (a stack transform can set it on all of them).",
    "GR-IAM-11": 'Grant a specific principal instead of `"*"` in the `aws.lambda_.Permission`, '
    "with `source_arn=`, `source_account=` or `principal_org_id=`.",
    "GR-IAM-12": "Pass `source_account=` (the account, `aws.get_caller_identity().account_id`) "
    "and, where you can, `source_arn=` to the `aws.lambda_.Permission`.",
    "GR-IAM-13": "Remove the grant, or, if the account is a known partner, add it to the "
    "policy's `trusted_accounts` (with a reason in review) and scope the grant with "
    "`source_arn=`.",
    "GR-IAM-14": "Drop `AWSLambdaBasicExecutionRole`, give the function its own "
    "`aws.cloudwatch.LogGroup` and grant `logs:CreateLogStream` and `logs:PutLogEvents` on "
    '`f"{log_group.arn}:*"` only.',
    "GR-IAM-15": "Grant only what the code calls, in an `aws.iam.RolePolicy` of the function's "
    "role: the actions `guardrails least-privilege` derives from the code, on the resources it "
    'calls them on (`"Resource": table.arn`, `f"{bucket.arn}/*"`), instead of wildcards or '
    "broader managed policies.",
    "GR-IAM-16": "Grant the action the finding names on the resource the code calls it on, in "
    'an `aws.iam.RolePolicy` of the function\'s role (`"Resource": table.arn`, '
    '`f"{bucket.arn}/*"`).',
    "GR-SEC-01": "Rotate the exposed credential, then keep it out of the configuration: store "
    'it in `aws.secretsmanager.Secret`, pass its ARN (`environment={"variables": '
    '{"DB_SECRET_ARN": secret.arn}}`), grant `secretsmanager:GetSecretValue` on that secret only '
    "and fetch the value at run time.",
    "GR-SEC-02": "Pass the secret's ARN instead of its value (`pulumi.Output.secret(...)` keeps "
    "it out of Pulumi's state, not out of the function configuration): "
    '`{"DB_SECRET_ARN": secret.arn}`, grant read on that secret only and fetch it at run time.',
    "GR-SEC-03": "Rotate the exposed credential and remove it from the code: store it in "
    "Secrets Manager, pass its ARN in an environment variable, grant read on that secret only "
    "and fetch the value at run time.",
    "GR-SEC-04": "Rotate the exposed credential and remove the file or value from the code "
    "archive: keep secrets in Secrets Manager and leave local files out of the "
    "`pulumi.FileArchive` / `AssetArchive`.",
    "GR-SEC-05": "Pass `kms_key_arn=key.arn` (an `aws.kms.Key` with `enable_key_rotation=True`, "
    "or your organisation's key) to the function.",
    "GR-INP-01": 'Give the `aws.apigateway.Method` an authorizer: `authorization="AWS_IAM"`, '
    '`"COGNITO_USER_POOLS"` or `"CUSTOM"` with `authorizer_id=`, or at least '
    "`api_key_required=True` with a usage plan.",
    "GR-INP-02": "Create an `aws.apigateway.RequestValidator(validate_request_body=True)` and "
    "pass `request_validator_id=` and `request_models=` (a JSON schema model) to the method.",
    "GR-INP-03": 'Set `authorization_type="AWS_IAM"` or `"JWT"` / `"CUSTOM"` with '
    "`authorizer_id=` on the `aws.apigatewayv2.Route`.",
    "GR-INP-04": 'Pass `authorization_type="AWS_IAM"` to the `aws.lambda_.FunctionUrl` and sign '
    "requests (CloudFront with origin access control for a browser), or expose the function "
    "through API Gateway with an authorizer.",
    "GR-INP-05": 'List the exact origins in the URL\'s `cors={"allow_origins": '
    '["https://app.example.com"]}`.',
    "GR-INP-06": "Create a regional `aws.wafv2.WebAcl` (the AWS managed rule groups and a "
    "rate-based rule) and an `aws.wafv2.WebAclAssociation(resource_arn=stage.arn, "
    "web_acl_arn=acl.arn)`.",
    "GR-OBS-01": 'Pass `tracing_config={"mode": "Active"}` to the function (and X-Ray\'s '
    "`xray:PutTraceSegments`, `xray:PutTelemetryRecords` to its role).",
    "GR-OBS-02": "Create the function's log group with a retention: "
    '`aws.cloudwatch.LogGroup(..., name=fn.name.apply(lambda n: f"/aws/lambda/{n}"), '
    "retention_in_days=90)`, or one of your own passed as "
    '`logging_config={"log_group": group.name}`.',
    "GR-OBS-03": "Keep the logs at least as long as the policy's `min_log_retention_days` "
    "(default 90): `retention_in_days=90` or longer on the function's log group.",
    "GR-OBS-04": "Pass `kms_key_id=key.arn` to the function's `aws.cloudwatch.LogGroup`, with a "
    "key policy that lets the CloudWatch Logs service principal use the key.",
    "GR-OBS-05": 'Pass `logging_config={"log_format": "JSON"}` to the function.',
    "GR-OBS-06": "Give the function an encrypted SQS dead-letter queue "
    '(`dead_letter_config={"target_arn": queue.arn}`) or an '
    "`aws.lambda_.FunctionEventInvokeConfig` with an on-failure destination, and alarm on it.",
    "GR-OBS-07": 'Streams: pass `destination_config={"on_failure": {...}}`, '
    "`maximum_retry_attempts=` and `bisect_batch_on_function_error=True` to the "
    "`aws.lambda_.EventSourceMapping`. SQS: give the queue a `redrive_policy` to a dead-letter "
    "queue.",
    "GR-OBS-08": 'Create an `aws.cloudwatch.MetricAlarm` on `metric_name="Errors"`, '
    '`namespace="AWS/Lambda"`, `dimensions={"FunctionName": fn.name}`, with an alarm action.',
    "GR-DEP-01": 'Pass a supported runtime (`runtime="python3.14"`, `"nodejs24.x"`) and test '
    "the code on it.",
    "GR-DEP-02": "Create an `aws.signer.SigningProfile` and an `aws.lambda_.CodeSigningConfig` "
    '(`policies={"untrusted_artifact_on_deployment": "Enforce"}`), pass '
    "`code_signing_config_arn=` and sign the packages in the pipeline.",
    "GR-DEP-03": "Build the layer in your own account (`aws.lambda_.LayerVersion`), use an "
    "AWS-published layer, or, after a review of the vendor, add its account to the policy's "
    "`trusted_layer_accounts`.",
    "GR-DEP-06": 'Reference the image by digest (`image_uri=f"{repo.repository_url}@sha256:..."`), '
    "not by tag.",
    "GR-NET-01": 'Pass `vpc_config={"subnet_ids": [...private subnets...], '
    '"security_group_ids": [sg.id]}` (and the VPC network-interface actions on its role); if '
    "the function is not sensitive, drop the grant or the tag that makes it so.",
    "GR-NET-02": "Give the function subnets in at least two Availability Zones in "
    "`vpc_config.subnet_ids`.",
    "GR-NET-03": "Place the function in private subnets (no route to an internet gateway, no "
    "public IP on launch), with a NAT gateway or VPC endpoints.",
    "GR-NET-04": "Give the function's `aws.ec2.SecurityGroup` only the egress it needs (e.g. TCP "
    "443 to the VPC's CIDR or an endpoint's prefix list), not `0.0.0.0/0` on every protocol.",
    "GR-NET-05": "Add an interface `aws.ec2.VpcEndpoint` per service the function reads "
    '(`service_name="com.amazonaws.<region>.secretsmanager"`, `ssm`, `kms`) with '
    "`private_dns_enabled=True`.",
    "GR-CFG-01": "Pass `reserved_concurrent_executions=<n>` sized to the function's expected peak.",
}


def fix_of(rule_id: str) -> str:
    """The rule's fix for a Pulumi program (the catalog's when none is written here)."""
    if rule_id in PULUMI_FIXES:
        return PULUMI_FIXES[rule_id]
    rule = get_rule(rule_id)
    return rule.fix if rule else ""
