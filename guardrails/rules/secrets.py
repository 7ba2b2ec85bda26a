"""Rules: secrets and configuration (GR-SEC).

The detection of credentials lives in ``credentials``; these rules decide which values of a
function to show it and how to report what it finds. No message ever contains a secret value:
only the variable's name, the kind of credential and ``credentials.mask(value)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from guardrails.model.function import LambdaFunction
from guardrails.model.values import Text, Token
from guardrails.rules.base import RuleContext, Violation, rule
from guardrails.rules.credentials import find_credential, mask

#: a CloudFormation dynamic reference; tokens inside it are rendered as ``_TOKEN``
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:[^{}]*\}\}")
_TOKEN = "\0"
#: dynamic references that resolve a secret (``{{resolve:ssm:`` is a plain parameter)
_SECRET_REFERENCES = {
    "{{resolve:secretsmanager:": ("a Secrets Manager dynamic reference", "_SECRET_ARN", "secret"),
    "{{resolve:ssm-secure:": (
        "an SSM SecureString dynamic reference",
        "_PARAMETER_NAME",
        "parameter",
    ),
}


def _with_placeholders(value: Any) -> str | None:
    """A literal string, or a ``Text`` with every token replaced by ``_TOKEN``; else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, Text):
        return "".join(p if isinstance(p, str) else _TOKEN for p in value.parts)
    return None


def literal_fragments(value: Any) -> list[str]:
    """The parts of an environment value written in the template: the whole literal string, or
    the literal text between the tokens of an ``Fn::Join`` / ``Fn::Sub``, without dynamic
    references (``{{resolve:...}}`` is a reference, GR-SEC-02's concern). Empty for a token."""
    text = _with_placeholders(value)
    if text is None:
        return []
    text = _DYNAMIC_REFERENCE.sub(_TOKEN, text)
    return [part for part in text.split(_TOKEN) if part]


def _is_arn(value: Any) -> bool:
    text = _with_placeholders(value)
    return text is not None and text.startswith("arn:")


@rule(
    "GR-SEC-01",
    title="Plaintext secret in an environment variable",
    severity="critical",
    rationale=(
        "Environment variables are written in plaintext into the template, the cloud assembly "
        "and the function configuration: anyone who can read the repository, the CDK output "
        "or call lambda:GetFunctionConfiguration gets the credential, and it cannot be rotated "
        "without a deployment."
    ),
    fix=(
        "Rotate the exposed credential, then keep it out of the configuration: store it in "
        "Secrets Manager (`secretsmanager.Secret`), pass its ARN "
        '(`environment={"DB_SECRET_ARN": secret.secret_arn}`), grant read on that secret only '
        "(`secret.grant_read(fn)`) and fetch the value at runtime (AWS SDK, or the AWS "
        "Parameters and Secrets Lambda extension)."
    ),
    references={"checkov": "CKV_AWS_45"},
)
def plaintext_secret_in_environment(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """A literal environment value, or a literal part of an ``Fn::Join`` / ``Fn::Sub``, looks
    like a credential (see ``credentials`` for what that means, placeholders such as
    ``changeme`` included). One violation per variable, at
    ``Properties/Environment/Variables/<NAME>``; the message names the variable and the kind of
    credential and shows only the masked literal.

    Interpretations: a value that is entirely a token (``Ref``, ``Fn::GetAtt``,
    ``Fn::ImportValue``, a parameter) is never judged; an ARN (a literal string or an
    ``Fn::Join`` that starts with ``arn:``) is a reference, never a secret; the text of a
    ``{{resolve:...}}`` dynamic reference is a reference too (GR-SEC-02 reports secret ones);
    numbers and booleans are not credentials.
    """
    for name, value in fn.environment.items():
        if _is_arn(value):
            continue
        for fragment in literal_fragments(value):
            kind = find_credential(name, fragment)
            if kind is None:
                continue
            where = (
                " in a literal part of its Fn::Join / Fn::Sub" if isinstance(value, Text) else ""
            )
            yield Violation(
                fn.site.at("Environment", "Variables", name),
                f"Environment variable {name} holds a credential in plaintext: {kind}{where} "
                f"({mask(fragment)}); anyone who reads the template or the function "
                "configuration can use it",
            )
            break


def _no_echo(fn: LambdaFunction, token: Token) -> bool:
    if token.kind != "param":
        return False
    declaration = fn.parameters.get(token.target)
    if not isinstance(declaration, dict):
        return False
    no_echo = declaration.get("NoEcho")
    return no_echo is True or (isinstance(no_echo, str) and no_echo.lower() == "true")


def _tokens(value: Any) -> tuple[Token, ...]:
    if isinstance(value, Token):
        return (value,)
    if isinstance(value, Text):
        return value.tokens
    return ()


@rule(
    "GR-SEC-02",
    title="Secret resolved into the function configuration",
    severity="high",
    rationale=(
        "A dynamic reference or a NoEcho parameter keeps the secret out of the template, but "
        "CloudFormation writes the resolved value into the function configuration, where "
        "anyone with lambda:GetFunctionConfiguration reads it in plaintext; a rotation does not "
        "reach the function until the next deployment."
    ),
    fix=(
        "Pass the secret's ARN instead of its value: "
        '`environment={"DB_PASSWORD_SECRET_ARN": secret.secret_arn}` instead of '
        "`secret.secret_value_from_json(...).unsafe_unwrap()`, grant read on that secret only "
        "(`secret.grant_read(fn)`) and fetch the value at runtime (AWS SDK, or the AWS Parameters "
        "and Secrets Lambda extension). For an SSM SecureString pass the parameter name and "
        "grant `parameter.grant_read(fn)`; for a NoEcho parameter, keep the value in Secrets "
        "Manager instead."
    ),
    remediation="opt-in",
)
def secret_resolved_into_configuration(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An environment value contains ``{{resolve:secretsmanager:`` or ``{{resolve:ssm-secure:``
    (a literal string, or a literal part of an ``Fn::Join`` / ``Fn::Sub``: CDK's
    ``SecretValue...unsafe_unwrap()`` emits either), or refers (alone, or inside an
    ``Fn::Join`` / ``Fn::Sub``) to a template parameter with ``NoEcho: true`` (the boolean or
    the string ``"true"``, any case). One violation per variable, at
    ``Properties/Environment/Variables/<NAME>``.

    Interpretations: the message says which kind of reference it is and never repeats it (the
    reference is not a secret, but it is long and names the secret); ``{{resolve:ssm:`` (a plain
    String parameter) is not a secret; the suggested variable is ``<NAME>_SECRET_ARN`` for
    Secrets Manager and NoEcho parameters, ``<NAME>_PARAMETER_NAME`` for SSM SecureStrings.
    """
    for name, value in fn.environment.items():
        site = fn.site.at("Environment", "Variables", name)
        text = _with_placeholders(value) or ""
        reference = next(
            (ref for prefix, ref in _SECRET_REFERENCES.items() if prefix in text), None
        )
        if reference is not None:
            what, suffix, holder = reference
            yield Violation(
                site,
                f"Environment variable {name} resolves {what}: the secret's value is stored in "
                f"the function configuration, readable with lambda:GetFunctionConfiguration. "
                f"Pass {name}{suffix} instead and grant the function read on that {holder} only",
            )
            continue
        parameter = next((t.target for t in _tokens(value) if _no_echo(fn, t)), None)
        if parameter is not None:
            yield Violation(
                site,
                f"Environment variable {name} is set from the NoEcho parameter {parameter}: the "
                f"value CloudFormation hides is stored in the function configuration, readable "
                f"with lambda:GetFunctionConfiguration. Keep it in Secrets Manager, pass "
                f"{name}_SECRET_ARN and grant the function read on that secret only",
            )


@rule(
    "GR-SEC-05",
    title="Environment variables without a customer-managed KMS key",
    severity="medium",
    rationale=(
        "Without a customer-managed key, Lambda encrypts environment variables with the AWS "
        "managed key aws/lambda, whose use cannot be restricted by a key policy or audited per "
        "function; a customer-managed key decides who can decrypt the configuration."
    ),
    fix=(
        'Pass `environment_encryption=kms.Key(self, "EnvKey", enable_key_rotation=True)` (or '
        "your organisation's key, `kms.Key.from_key_arn(...)`). In remediate mode the hardening "
        "Aspect sets `KmsKeyArn` to the policy's `kms_key_arn` when the policy names one (safe); "
        "without one, creating a key per stack with rotation on is opt-in."
    ),
    remediation="safe",
    references={"checkov": "CKV_AWS_173"},
)
def environment_without_customer_key(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The function has environment variables (a non-empty ``Environment.Variables``) and no
    ``KmsKeyArn``. A ``KmsKeyArn`` in any form (a literal ARN, a reference to a key, a
    parameter, an import) complies; an empty string is no key (Lambda then uses aws/lambda).

    Interpretations: the location is ``Properties/Environment`` (the property that carries the
    data to protect; the fix adds ``KmsKeyArn`` beside it); an ``Environment`` that is not a
    literal mapping (an unresolvable ``Fn::If``) is not judged; the catalog's remediation is
    "safe when the policy names a key, else opt-in": the rule says "safe" and the fix text
    explains the condition.
    """
    variables = fn.environment
    if not variables or fn.properties.get("KmsKeyArn") not in (None, ""):
        return
    names = sorted(variables)
    listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    yield Violation(
        fn.site.at("Environment"),
        f"Function has {len(names)} environment variable(s) ({listed}) encrypted only with the "
        "AWS managed key aws/lambda: no customer-managed KMS key (KmsKeyArn)",
    )
