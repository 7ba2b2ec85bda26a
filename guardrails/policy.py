"""What an organisation requires of its Lambda functions.

A ``Policy`` works without configuration (the defaults below are the catalog's), and can be
loaded from a Python mapping, a YAML or JSON file, or the CDK context key
``lambda-guardrails:policy`` (an inline mapping or a file path). Every key is checked: an
unknown key or a bad value raises ``PolicyError`` with a one-line message that names the key,
the file and the fix.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from guardrails.errors import PolicyError

SEVERITIES = ("critical", "high", "medium", "low", "info")
#: rank used for comparisons: a higher number is more severe
SEVERITY_RANK = {name: len(SEVERITIES) - i for i, name in enumerate(SEVERITIES)}
MODES = ("enforce", "audit")
VPC_REQUIRED = ("all", "sensitive", "none")
CONTEXT_POLICY = "lambda-guardrails:policy"
CONTEXT_MODE = "lambda-guardrails:mode"
CONTEXT_FAIL_ON = "lambda-guardrails:fail_on"

_RULE_ID = re.compile(r"^GR-[A-Z]{3}-\d{2}$")
_ACCOUNT = re.compile(r"^\d{12}$")

#: Rules whose subject a user cannot change on a function the CDK framework creates.
DEFAULT_FRAMEWORK_RULES = (
    "GR-IAM-01", "GR-IAM-02", "GR-IAM-03", "GR-IAM-04", "GR-IAM-05", "GR-IAM-06", "GR-IAM-07",
    "GR-IAM-08", "GR-IAM-10", "GR-IAM-14", "GR-SEC-05", "GR-OBS-01", "GR-OBS-02", "GR-OBS-03",
    "GR-OBS-04", "GR-OBS-05", "GR-OBS-06", "GR-OBS-08", "GR-DEP-01", "GR-DEP-02", "GR-NET-01",
    "GR-NET-02", "GR-NET-04", "GR-NET-05", "GR-CFG-01",
)  # fmt: skip


@dataclass(frozen=True)
class RuleSettings:
    """Per-rule override: switch a rule off, or change the severity it reports at."""

    enabled: bool = True
    severity: str | None = None


@dataclass(frozen=True)
class Exemption:
    """An accepted risk: ``rule`` on the resources ``resource`` selects, until ``expires``."""

    rule: str
    resource: str  # a construct path glob ("Legacy/*") or a logical id
    reason: str
    expires: dt.date | None = None


@dataclass(frozen=True)
class FrameworkSettings:
    """How findings on framework-owned functions are reported."""

    #: severity they are lowered to for ``rules``; ``None`` keeps each rule's own severity
    severity: str | None = "info"
    rules: tuple[str, ...] = DEFAULT_FRAMEWORK_RULES
    #: whether the hardening Aspect rewrites framework-owned functions too
    remediate: bool = False


@dataclass(frozen=True)
class ApprovedVpc:
    """Where the hardening Aspect places functions that must be in a VPC (GR-NET-01, opt-in)."""

    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    """Every knob of the guardrails. The defaults are the catalog's."""

    #: lowest severity of an open finding that fails the build ("none": never fail)
    fail_on: str = "high"
    #: ``enforce`` fails ``cdk synth`` on findings at or above ``fail_on``; ``audit`` only reports
    mode: str = "enforce"
    rules: Mapping[str, RuleSettings] = field(default_factory=dict)
    min_log_retention_days: int = 90
    runtime_warning_days: int = 180
    #: ``all`` functions, ``sensitive`` ones (default) or ``none`` must be in a VPC (GR-NET-01)
    vpc_required: str = "sensitive"
    #: tag that marks a function sensitive: ``Key`` (any value but false/no/none) or ``Key=Value``
    sensitive_tag: str = "guardrails:sensitive"
    trusted_accounts: tuple[str, ...] = ()
    trusted_layer_accounts: tuple[str, ...] = ()
    permissions_boundary: str | None = None
    kms_key_arn: str | None = None
    require_code_signing: bool = False
    code_signing_config_arn: str | None = None
    osv_database: str | None = None
    default_reserved_concurrency: int | None = None
    #: private subnets and security groups the hardening Aspect may attach functions to
    approved_vpc: ApprovedVpc | None = None
    #: a JSON report of an earlier scan: its findings get status ``baseline``
    baseline: str | None = None
    exemptions: tuple[Exemption, ...] = ()
    framework: FrameworkSettings = FrameworkSettings()
    #: where the policy came from, for error messages
    source: str = "<defaults>"

    # -- questions the engine and rules ask ----------------------------------------------------
    def rule_enabled(self, rule_id: str) -> bool:
        settings = self.rules.get(rule_id)
        return settings.enabled if settings else True

    def rule_severity(self, rule_id: str, default: str) -> str:
        settings = self.rules.get(rule_id)
        return settings.severity if settings and settings.severity else default

    def fails(self, severity: str) -> bool:
        """Whether an open finding of this severity fails the build."""
        if self.fail_on == "none":
            return False
        return SEVERITY_RANK[severity] >= SEVERITY_RANK[self.fail_on]

    def merged(self, overrides: Mapping[str, Any], source: str) -> Policy:
        """A new policy with ``overrides`` (raw keys, validated) applied on top of this one."""
        changes = _parse(overrides, source)
        return dataclasses.replace(self, **changes, source=source)

    # -- loading ------------------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "<policy>") -> Policy:
        return cls().merged(data, source)

    @classmethod
    def from_file(cls, path: str | Path) -> Policy:
        return cls().merged(read_policy_file(path), str(path))

    @classmethod
    def coerce(cls, value: Policy | Mapping[str, Any] | str | Path | None) -> Policy:
        """Accept a ``Policy``, a mapping, a file path, or ``None`` (the defaults)."""
        if value is None:
            return cls()
        if isinstance(value, Policy):
            return value
        if isinstance(value, (str, Path)):
            return cls.from_file(value)
        if isinstance(value, Mapping):
            return cls.from_mapping(value)
        raise PolicyError(
            f"policy: expected a Policy, a mapping or a file path, got {type(value).__name__}"
        )

    def with_context(self, context: Mapping[str, Any]) -> Policy:
        """Apply the CDK context keys: ``lambda-guardrails:policy`` (inline mapping or file
        path), then ``lambda-guardrails:mode`` and ``lambda-guardrails:fail_on`` (the command
        line wins over the code)."""
        policy = self
        ctx_policy = context.get(CONTEXT_POLICY)
        if isinstance(ctx_policy, str) and ctx_policy.lstrip().startswith("{"):
            try:
                ctx_policy = json.loads(ctx_policy)
            except json.JSONDecodeError as exc:
                raise PolicyError(f"context {CONTEXT_POLICY}: malformed JSON ({exc.msg})") from None
        if isinstance(ctx_policy, str):
            policy = policy.merged(read_policy_file(ctx_policy), ctx_policy)
        elif isinstance(ctx_policy, Mapping):
            policy = policy.merged(ctx_policy, f"context {CONTEXT_POLICY}")
        elif ctx_policy is not None:
            raise PolicyError(f"context {CONTEXT_POLICY}: expected a mapping or a file path")
        for key, name in ((CONTEXT_MODE, "mode"), (CONTEXT_FAIL_ON, "fail_on")):
            if context.get(key) is not None:
                policy = dataclasses.replace(
                    policy, **_parse({name: context[key]}, f"context {key}")
                )
        return policy


def read_policy_file(path: str | Path) -> Mapping[str, Any]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{p}: policy file not found; check the path") from None
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read policy file ({exc.__class__.__name__})") from None
    try:
        data = json.loads(text) if p.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"{p}:{exc.lineno}:{exc.colno}: malformed JSON ({exc.msg})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise PolicyError(f"{p}{where}: malformed YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise PolicyError(f"{p}: a policy file must hold a mapping of keys to values")
    return data


# -- validation -------------------------------------------------------------------------------
def _fail(source: str, key: str, problem: str) -> PolicyError:
    return PolicyError(f"{source}: policy key '{key}': {problem}")


def _choice(source: str, key: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.lower() not in choices:
        raise _fail(source, key, f"{value!r} is not one of {', '.join(choices)}")
    return value.lower()


def _int(source: str, key: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail(source, key, f"{value!r} is not a whole number >= {minimum}")
    return value


def _bool(source: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(source, key, f"{value!r} is not true or false")
    return value


def _opt_str(source: str, key: str, value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise _fail(source, key, f"{value!r} is not a non-empty string")
    return value


def _accounts(source: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _fail(source, key, "expected a list of 12-digit AWS account ids")
    out = []
    for item in value:
        # YAML reads an unquoted account id as a number and drops its leading zeros
        text = str(item).zfill(12) if isinstance(item, int) and not isinstance(item, bool) else item
        if not isinstance(text, str) or not _ACCOUNT.match(text):
            raise _fail(source, key, f"{item!r} is not a 12-digit AWS account id")
        out.append(text)
    return tuple(out)


def _rule_id(source: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not _RULE_ID.match(value):
        raise _fail(source, key, f"{value!r} is not a rule id such as GR-IAM-05")
    return value


def _rules(source: str, value: Any) -> dict[str, RuleSettings]:
    if not isinstance(value, Mapping):
        raise _fail(source, "rules", "expected a mapping of rule ids to {enabled, severity}")
    out = {}
    for rule_id, settings in value.items():
        _rule_id(source, "rules", rule_id)
        where = f"rules.{rule_id}"
        if isinstance(settings, bool):
            out[rule_id] = RuleSettings(enabled=settings)
            continue
        if not isinstance(settings, Mapping):
            raise _fail(source, where, "expected {enabled: true|false, severity: ...}")
        unknown = set(settings) - {"enabled", "severity"}
        if unknown:
            raise _fail(
                source, f"{where}.{sorted(unknown)[0]}", "unknown key; use enabled or severity"
            )
        severity = settings.get("severity")
        out[rule_id] = RuleSettings(
            enabled=_bool(source, f"{where}.enabled", settings.get("enabled", True)),
            severity=_choice(source, f"{where}.severity", severity, SEVERITIES)
            if severity
            else None,
        )
    return out


def _date(source: str, key: str, value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _fail(source, key, f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def _exemptions(source: str, value: Any) -> tuple[Exemption, ...]:
    if not isinstance(value, list):
        raise _fail(source, "exemptions", "expected a list of {rule, resource, reason, expires}")
    out = []
    for i, item in enumerate(value):
        where = f"exemptions[{i}]"
        if not isinstance(item, Mapping):
            raise _fail(source, where, "expected {rule, resource, reason, expires}")
        unknown = set(item) - {"rule", "resource", "reason", "expires"}
        if unknown:
            raise _fail(source, f"{where}.{sorted(unknown)[0]}", "unknown key")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise _fail(source, f"{where}.reason", "every exemption needs a reason")
        resource = item.get("resource")
        if not isinstance(resource, str) or not resource:
            raise _fail(source, f"{where}.resource", "give a construct path glob or a logical id")
        out.append(
            Exemption(
                rule=_rule_id(source, f"{where}.rule", item.get("rule")),
                resource=resource,
                reason=reason.strip(),
                expires=_date(source, f"{where}.expires", item.get("expires")),
            )
        )
    return tuple(out)


def _framework(source: str, value: Any) -> FrameworkSettings:
    if not isinstance(value, Mapping):
        raise _fail(source, "framework", "expected {severity, rules}")
    unknown = set(value) - {"severity", "rules", "remediate"}
    if unknown:
        raise _fail(
            source, f"framework.{sorted(unknown)[0]}", "unknown key; use severity, rules, remediate"
        )
    severity = value.get("severity", "info")
    rules = value.get("rules", list(DEFAULT_FRAMEWORK_RULES))
    if not isinstance(rules, list):
        raise _fail(source, "framework.rules", "expected a list of rule ids")
    return FrameworkSettings(
        severity=_choice(source, "framework.severity", severity, SEVERITIES) if severity else None,
        rules=tuple(_rule_id(source, "framework.rules", r) for r in rules),
        remediate=_bool(source, "framework.remediate", value.get("remediate", False)),
    )


def _approved_vpc(source: str, value: Any) -> ApprovedVpc | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _fail(
            source, "approved_vpc", "expected {subnet_ids: [...], security_group_ids: [...]}"
        )
    unknown = set(value) - {"subnet_ids", "security_group_ids"}
    if unknown:
        raise _fail(source, f"approved_vpc.{sorted(unknown)[0]}", "unknown key")
    ids = {}
    for key, prefix in (("subnet_ids", "subnet-"), ("security_group_ids", "sg-")):
        items = value.get(key)
        if not isinstance(items, list) or not items:
            raise _fail(source, f"approved_vpc.{key}", f"expected a list of {prefix}... ids")
        for item in items:
            if not isinstance(item, str) or not item.startswith(prefix):
                raise _fail(source, f"approved_vpc.{key}", f"{item!r} is not a {prefix}... id")
        ids[key] = tuple(items)
    if len(ids["subnet_ids"]) < 2:
        raise _fail(source, "approved_vpc.subnet_ids", "name subnets in at least two AZs")
    return ApprovedVpc(**ids)


_PARSERS: dict[str, Any] = {
    "fail_on": lambda s, k, v: _choice(s, k, v, (*SEVERITIES, "none")),
    "mode": lambda s, k, v: _choice(s, k, v, MODES),
    "rules": lambda s, k, v: _rules(s, v),
    "min_log_retention_days": lambda s, k, v: _int(s, k, v, 1),
    "runtime_warning_days": _int,
    "vpc_required": lambda s, k, v: _choice(s, k, v, VPC_REQUIRED),
    "sensitive_tag": lambda s, k, v: _opt_str(s, k, v) or "",
    "trusted_accounts": _accounts,
    "trusted_layer_accounts": _accounts,
    "permissions_boundary": _opt_str,
    "kms_key_arn": _opt_str,
    "require_code_signing": _bool,
    "code_signing_config_arn": _opt_str,
    "osv_database": _opt_str,
    "default_reserved_concurrency": lambda s, k, v: None if v is None else _int(s, k, v, 1),
    "approved_vpc": lambda s, k, v: _approved_vpc(s, v),
    "baseline": _opt_str,
    "exemptions": lambda s, k, v: _exemptions(s, v),
    "framework": lambda s, k, v: _framework(s, v),
}

KNOWN_KEYS = tuple(_PARSERS)


def _parse(data: Mapping[str, Any], source: str) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise PolicyError(f"{source}: a policy must be a mapping of keys to values")
    changes: dict[str, Any] = {}
    for key, value in data.items():
        parser = _PARSERS.get(key)
        if parser is None:
            close = [k for k in KNOWN_KEYS if k.split("_")[0] == str(key).split("_")[0]]
            hint = (
                f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(KNOWN_KEYS)}"
            )
            raise PolicyError(f"{source}: unknown policy key '{key}'; {hint}")
        changes[key] = parser(source, key, value)
    return changes
