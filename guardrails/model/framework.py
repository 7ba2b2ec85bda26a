"""Recognising the Lambda functions that the CDK framework itself creates.

Users cannot change these functions' runtime or their role's managed policies, so the catalog
reports them with ``owner: "framework"``. They are recognised from their construct path (the
singleton ids and provider names the CDK uses) or, in a template scanned without its assembly,
from the logical ids those paths produce.
"""

from __future__ import annotations

import re

# Construct-path segments of framework-created functions (aws-cdk-lib 2.x).
_SEGMENT = re.compile(
    r"^(?:"
    r"LogRetention[0-9a-f]{32}"  # log retention singleton
    r"|BucketNotificationsHandler[0-9a-f]{32}"  # S3 notifications
    r"|AWS679f53fac002430cb0da5b7982bd2287"  # AwsCustomResource singleton
    r"|Custom::CDKBucketDeployment[0-9A-Fa-f]{32}"  # s3-deployment BucketDeployment
    r"|Custom::[A-Za-z0-9]+CustomResourceProvider"  # core CustomResourceProvider (auto-delete...)
    r"|framework-(?:onEvent|isComplete|onTimeout)"  # custom_resources.Provider framework
    r"|.*KubectlProvider.*"  # EKS kubectl / cluster resource providers
    r"|.*ClusterResourceProvider.*"
    r")$"
)

# The logical ids those paths produce, for templates without construct paths.
_LOGICAL_ID = re.compile(
    r"^(?:"
    r"LogRetention[0-9a-f]{32}[0-9A-F]{8}"
    r"|BucketNotificationsHandler[0-9a-f]{32}[0-9A-F]{8}"
    r"|AWS679f53fac002430cb0da5b7982bd2287[0-9A-F]{8}"
    r"|CustomCDKBucketDeployment[0-9A-Fa-f]{32}[0-9A-F]{8}"
    r"|Custom[A-Za-z0-9]+CustomResourceProviderHandler[0-9A-F]{8}"
    r"|.*frameworkonEvent[0-9A-F]{8}"
    r"|.*frameworkisComplete[0-9A-F]{8}"
    r"|.*frameworkonTimeout[0-9A-F]{8}"
    r")$"
)


def is_framework_function(logical_id: str, construct_path: str | None) -> bool:
    if construct_path:
        return any(_SEGMENT.match(segment) for segment in construct_path.split("/"))
    return bool(_LOGICAL_ID.match(logical_id))
