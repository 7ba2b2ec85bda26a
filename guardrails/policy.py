"""What an organisation requires of its Lambda functions.

A ``Policy`` works without configuration (the defaults below are the catalog's), and can be
loaded from a Python mapping, a YAML or JSON file, or the CDK context key
``lambda-guardrails:policy`` (an inline mapping or a file path). Every key is checked: an
unknown key or a bad value raises ``PolicyError`` with a one-line message that names the file,
the key path and the fix.

Messages never repeat the value they reject: a policy file is edited by hand and a credential
pasted in the wrong place must not reach a CI log. They say what form is expected instead, and
name list items by index (``trusted_accounts[2]``). The file itself is read defensively: only a
regular file of at most ``MAX_POLICY_BYTES``, without YAML anchors and aliases (a "billion
laughs" document is tiny on disk and huge once walked), with numbers and nesting a parser can
handle; anything else is one ``PolicyError`` naming the file.

The CDK plugin records the policy it applied (after the context overrides) in the cloud assembly
(``RECORD_FILE``, written by ``to_record``, read back by ``from_record``), so that
``guardrails scan cdk.out`` in a pipeline applies the same policy as ``cdk synth`` did:
``to_mapping`` writes every key in the form ``from_mapping`` reads, and the record keeps where
the policy and each key came from, for the report and for messages that name the file to edit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from guardrails.errors import PolicyError
from guardrails.inputs import MAX_INT_DIGITS, MIB, parse_json, read_text, yaml_problem
from guardrails.version import __version__

SEVERITIES = ("critical", "high", "medium", "low", "info")
#: rank used for comparisons: a higher number is more severe
SEVERITY_RANK = {name: len(SEVERITIES) - i for i, name in enumerate(SEVERITIES)}
MODES = ("enforce", "audit")
VPC_REQUIRED = ("all", "sensitive", "none")
CONTEXT_POLICY = "lambda-guardrails:policy"
CONTEXT_MODE = "lambda-guardrails:mode"
CONTEXT_FAIL_ON = "lambda-guardrails:fail_on"

#: a policy is a few kilobytes; anything this large is not one (or is a device in disguise)
MAX_POLICY_BYTES = MIB
#: the policy the CDK plugin applied at synth, in the root of the cloud assembly
RECORD_FILE = "lambda-guardrails-policy.json"
_RECORD_TOOL = "lambda-guardrails"
_RECORD_KEYS = ("tool", "version", "source", "key_sources", "policy")
#: a recorded ``source`` is a path or a context key: anything longer is not one
_MAX_SOURCE_CHARS = 1000
#: Python refuses to convert longer decimal strings to ``int`` (``sys.get_int_max_str_digits``)

_RULE_ID = re.compile(r"^GR-[A-Z]{3}-\d{2}$", re.ASCII)
_ACCOUNT = re.compile(r"^\d{12}$", re.ASCII)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
#: what an unknown key must look like to be quoted back in a message: lowercase words joined by
#: ``_`` like every policy key (tokens and keys have digits, capitals or symbols)
_KEY_NAME = re.compile(r"^[a-z]+(_[a-z]+)*$", re.ASCII)

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
    #: where each key was last set (a file, a context key), so that a check made after merging
    #: (``check_rule_ids``) names the file the user must edit; not part of equality
    key_sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

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
        key_sources = {**self.key_sources, **dict.fromkeys(changes, source)}
        return dataclasses.replace(self, **changes, source=source, key_sources=key_sources)

    def check_rule_ids(self, known: Collection[str]) -> None:
        """Raise ``PolicyError`` for the first rule id the policy names that is not in ``known``
        (the ids of the rule catalog): a ``rules:`` key, an ``exemptions[i].rule`` or a
        ``framework.rules[i]``.

        Parsing only checks the form of an id, because the policy layer does not know the
        catalog (it must not import the rules package); a typo such as ``GR-IAM-5O`` would
        otherwise switch off, or exempt, nothing at all, silently. The engine and the CDK plugin
        call this with the catalog's ids. The message names the file and the key path, and
        suggests the closest known id; an id that does not even look like one is not repeated.
        The default ``framework.rules`` are the catalog's own and are not checked."""
        ids = sorted({k for k in known if isinstance(k, str)})
        for rule_id in self.rules:
            where = f"rules.{rule_id}" if looks_like_rule_id(rule_id) else "rules"
            self._check_rule_id(rule_id, where, "rules", ids)
        for i, exemption in enumerate(self.exemptions):
            self._check_rule_id(exemption.rule, f"exemptions[{i}].rule", "exemptions", ids)
        if tuple(self.framework.rules) != DEFAULT_FRAMEWORK_RULES:
            for i, rule_id in enumerate(self.framework.rules):
                self._check_rule_id(rule_id, f"framework.rules[{i}]", "framework", ids)

    def _check_rule_id(self, rule_id: Any, where: str, top_key: str, known: list[str]) -> None:
        if isinstance(rule_id, str) and rule_id in known:
            return
        source = self.key_sources.get(top_key, self.source)
        if not looks_like_rule_id(rule_id):
            raise _fail(source, where, "not a rule id such as GR-IAM-05")
        close = _closest(rule_id, known)
        hint = f"did you mean {close}?" if close else "run `guardrails rules` to list them"
        named = "this id" if where.endswith(rule_id) else f"the id {rule_id}"
        raise _fail(source, where, f"no rule has {named}; {hint}")

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
        """Apply the CDK context keys: ``lambda-guardrails:policy`` (inline mapping, JSON text or
        file path), then ``lambda-guardrails:mode`` and ``lambda-guardrails:fail_on`` (the
        command line wins over the code).

        A context value can come from ``cdk synth -c key=value`` typed in a CI script, so it is
        held to the file's standard: a path that leads nowhere is reported by the context key
        that holds it, not by its text."""
        policy = self
        label = f"context {CONTEXT_POLICY}"
        ctx_policy = context.get(CONTEXT_POLICY)
        if isinstance(ctx_policy, str) and ctx_policy.lstrip().startswith("{"):
            ctx_policy = _parse_json(ctx_policy, label)
        if isinstance(ctx_policy, str):
            if not ctx_policy.strip():
                raise PolicyError(f"{label}: expected a policy file path or an inline mapping")
            policy = policy.merged(read_policy_file(ctx_policy, label=label), ctx_policy)
        elif isinstance(ctx_policy, Mapping):
            policy = policy.merged(ctx_policy, label)
        elif ctx_policy is not None:
            raise PolicyError(f"{label}: expected a mapping or a file path")
        for key, name in ((CONTEXT_MODE, "mode"), (CONTEXT_FAIL_ON, "fail_on")):
            if context.get(key) is not None:
                changes = _parse({name: context[key]}, f"context {key}")
                policy = dataclasses.replace(
                    policy,
                    **changes,
                    key_sources={**policy.key_sources, name: f"context {key}"},
                )
        return policy

    # -- recording ----------------------------------------------------------------------------
    def to_mapping(self) -> dict[str, Any]:
        """Every policy key with its value, in the form ``from_mapping`` reads: lists for tuples,
        ``YYYY-MM-DD`` text for dates, ``None`` for what is not set. JSON-ready and exact:
        ``Policy.from_mapping(p.to_mapping())`` equals ``p`` (but for ``source``) for every
        policy read from a file, a mapping or the context, so that a recorded policy is the
        policy that was applied, not an approximation of it."""
        vpc = self.approved_vpc
        return {
            "fail_on": self.fail_on,
            "mode": self.mode,
            "rules": {
                rule_id: {"enabled": s.enabled, **({"severity": s.severity} if s.severity else {})}
                for rule_id, s in self.rules.items()
            },
            "min_log_retention_days": self.min_log_retention_days,
            "runtime_warning_days": self.runtime_warning_days,
            "vpc_required": self.vpc_required,
            # the parser reads "no tag" as null: an empty string is refused as a typo
            "sensitive_tag": self.sensitive_tag or None,
            "trusted_accounts": list(self.trusted_accounts),
            "trusted_layer_accounts": list(self.trusted_layer_accounts),
            "permissions_boundary": self.permissions_boundary,
            "kms_key_arn": self.kms_key_arn,
            "require_code_signing": self.require_code_signing,
            "code_signing_config_arn": self.code_signing_config_arn,
            "osv_database": self.osv_database,
            "default_reserved_concurrency": self.default_reserved_concurrency,
            "approved_vpc": None
            if vpc is None
            else {
                "subnet_ids": list(vpc.subnet_ids),
                "security_group_ids": list(vpc.security_group_ids),
            },
            "baseline": self.baseline,
            "exemptions": [
                {
                    "rule": e.rule,
                    "resource": e.resource,
                    "reason": e.reason,
                    **({"expires": e.expires.isoformat()} if e.expires else {}),
                }
                for e in self.exemptions
            ],
            "framework": {
                "severity": self.framework.severity,
                "rules": list(self.framework.rules),
                "remediate": self.framework.remediate,
            },
        }

    def to_record(self) -> dict[str, Any]:
        """What the CDK plugin writes into the cloud assembly (``RECORD_FILE``): the policy
        (``to_mapping``), where it came from (``source``) and where each key was set
        (``key_sources``), so that the CLI can say which policy it applies and a notice can name
        the file to edit."""
        return {
            "tool": _RECORD_TOOL,
            "version": __version__,
            "source": self.source,
            "key_sources": dict(sorted(self.key_sources.items())),
            "policy": self.to_mapping(),
        }

    @classmethod
    def from_record(cls, path: str | Path) -> Policy:
        """The policy recorded in a cloud assembly (``to_record``), with the ``source`` and
        ``key_sources`` it had at synth. The file is read like a policy file (a regular file,
        bounded) and checked like one: it comes from the scanned input, so anything malformed
        is one ``PolicyError`` naming the file, never a silent fall back to the defaults."""
        p = Path(path)
        shown = str(p)
        again = "synthesize the app again, or pass --policy"
        data = read_policy_file(p)
        if data.get("tool") != _RECORD_TOOL or any(key not in _RECORD_KEYS for key in data):
            raise PolicyError(f"{shown}: not a policy recorded by lambda-guardrails; {again}")
        source = data.get("source")
        if not isinstance(source, str) or not _is_source(source):
            raise PolicyError(f"{shown}: 'source': expected where the policy came from; {again}")
        if not isinstance(data.get("version", ""), str):
            raise PolicyError(f"{shown}: 'version': expected the version that wrote it; {again}")
        key_sources = data.get("key_sources", {})
        if not isinstance(key_sources, Mapping) or not all(
            key in KNOWN_KEYS and _is_source(value) for key, value in key_sources.items()
        ):
            raise PolicyError(
                f"{shown}: 'key_sources': expected a mapping of policy keys to where each was "
                f"set; {again}"
            )
        body = data.get("policy")
        if not isinstance(body, Mapping):
            raise PolicyError(f"{shown}: 'policy': expected a mapping of policy keys; {again}")
        policy = cls.from_mapping(body, shown)
        return dataclasses.replace(
            policy, source=source, key_sources={**policy.key_sources, **key_sources}
        )

    def pinned(self) -> Policy:
        """This policy with a relative ``osv_database`` made absolute the way the scan reads it
        (as ``guardrails.model.osv.resolve`` does: relative to the policy file ``source`` names
        when that is a file, else to the current directory). A copy that gets another
        ``source`` (a description for the report, a record in the assembly) then still means
        the same folder."""
        if not self.osv_database:
            return self
        database = Path(self.osv_database).expanduser()
        if database.is_absolute():
            return self
        policy_file = Path(self.source)
        base = policy_file.parent if policy_file.is_file() else Path.cwd()
        return dataclasses.replace(self, osv_database=str(base / database))


def _is_source(value: Any) -> bool:
    """Whether a recorded ``source`` looks like one: short text (a path, a context key)."""
    return isinstance(value, str) and 0 < len(value) <= _MAX_SOURCE_CHARS


def _closest(rule_id: str, known: list[str]) -> str | None:
    """The known id ``rule_id`` most likely misspells: among difflib's close matches, the one
    with the most characters in the same place (``GR-IAN-05`` is ``GR-IAM-05``, not
    ``GR-INP-05``, although difflib rates both alike)."""
    candidates = difflib.get_close_matches(rule_id, known, n=5, cutoff=0.6)
    if not candidates:
        return None
    return max(candidates, key=lambda c: sum(a == b for a, b in zip(c, rule_id, strict=False)))


def looks_like_rule_id(value: Any) -> bool:
    """Whether ``value`` has the form of a rule id (``GR-IAM-05``): only such a string is ever
    repeated in a message, anything else could be a value pasted in the wrong place."""
    return isinstance(value, str) and bool(_RULE_ID.match(value))


# -- reading files -----------------------------------------------------------------------------
def read_bounded_text(path: Path, what: str, limit: int, label: str | None = None) -> str:
    """The UTF-8 text of ``path``, a regular file of at most ``limit`` bytes, or a one-line
    ``PolicyError`` (see ``guardrails.inputs``); the baseline reader shares it."""
    return read_text(path, what, limit, PolicyError, label=label, fix="pass a YAML or JSON file")


class _Refused(Exception):
    """A YAML construct a policy file may not use, with where it starts in the file."""

    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.mark = mark


class _PolicyLoader(yaml.SafeLoader):
    """PyYAML's safe loader without what a policy has no use for and a crafted file could abuse:
    anchors and aliases (shared nodes make a tiny file huge to walk), integers longer than
    Python converts, and dates YAML would read loosely (``2027-3-1``)."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(
                "YAML anchors and aliases are not supported in a policy file", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        if len(str(node.value)) > MAX_INT_DIGITS:
            raise _Refused(
                f"a number longer than {MAX_INT_DIGITS:,} digits; no policy key needs one",
                node.start_mark,
            )
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode, values: Any = None) -> Any:
        """A real ``YYYY-MM-DD`` date; any other timestamp stays text, for the key's own check
        to reject (or accept) with a message that names the key."""
        text = self.construct_scalar(node)
        return _iso_date(text) or text


_PolicyLoader.add_constructor("tag:yaml.org,2002:int", _PolicyLoader.construct_yaml_int)
_PolicyLoader.add_constructor("tag:yaml.org,2002:timestamp", _PolicyLoader.construct_yaml_timestamp)


def _parse_json(text: str, where: str) -> Any:
    return parse_json(text, where, "JSON", PolicyError, "fix the policy")


def _parse_yaml(text: str, where: str) -> Any:
    try:
        return yaml.load(text, Loader=_PolicyLoader)  # a SafeLoader subclass: safe
    except _Refused as exc:
        mark = exc.mark
        at = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise PolicyError(f"{where}{at}: {exc.problem}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise PolicyError(f"{where}{at}: malformed YAML ({yaml_problem(exc)})") from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        at = f":{before.count(chr(10)) + 1}:{exc.position - before.rfind(chr(10))}"
        raise PolicyError(
            f"{where}{at}: malformed YAML (a control character YAML does not allow); remove it"
        ) from None
    except yaml.YAMLError:
        raise PolicyError(f"{where}: malformed YAML; check the file") from None
    except RecursionError:
        raise PolicyError(
            f"{where}: nested too deep to read; a policy needs a few levels"
        ) from None
    except (ValueError, TypeError, OverflowError):
        raise PolicyError(f"{where}: holds a value YAML cannot construct; check the file") from None


def read_policy_file(path: str | Path, label: str | None = None) -> Mapping[str, Any]:
    """The mapping a YAML or JSON policy file holds (JSON when the name ends in ``.json``).
    ``label`` stands for the path in messages until the file is known to exist."""
    p = Path(path)
    text = read_bounded_text(p, "policy file", MAX_POLICY_BYTES, label=label)
    data = _parse_json(text, str(p)) if p.suffix == ".json" else _parse_yaml(text, str(p))
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise PolicyError(f"{p}: a policy file must hold a mapping of keys to values")
    return data


# -- validation -------------------------------------------------------------------------------
def _fail(source: str, key: str, problem: str) -> PolicyError:
    return PolicyError(f"{source}: policy key '{key}': {problem}")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _check_keys(
    source: str, parent: str, data: Mapping[Any, Any], allowed: tuple[str, ...]
) -> None:
    """Raise for the first key of ``data`` not in ``allowed``. The key is quoted back only when
    it reads as a misspelt key name (lowercase words joined by ``_``, close to an allowed key),
    with the suggestion; anything else could be a value pasted in the wrong place, and is named
    by its position instead."""
    for index, key in enumerate(data):
        if isinstance(key, str) and key in allowed:
            continue
        close: list[str] = []
        if isinstance(key, str) and len(key) <= 40 and _KEY_NAME.match(key):
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            close = close or [k for k in allowed if k.split("_")[0] == key.split("_")[0]]
        if close and not parent:
            raise PolicyError(f"{source}: unknown policy key '{key}'; did you mean '{close[0]}'?")
        if close:
            raise _fail(source, f"{parent}.{key}", f"unknown key; did you mean '{close[0]}'?")
        nth = _ordinal(index + 1)
        if not parent:
            raise PolicyError(
                f"{source}: the {nth} key is not a policy key (not shown); "
                f"known keys: {', '.join(allowed)}"
            )
        raise _fail(
            source, parent, f"the {nth} key is unknown (not shown); use {', '.join(allowed)}"
        )


def _choice(source: str, key: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.lower() not in choices:
        raise _fail(source, key, f"expected one of {', '.join(choices)}")
    return value.lower()


def _int(source: str, key: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail(source, key, f"expected a whole number >= {minimum}")
    return value


def _bool(source: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(source, key, "expected true or false")
    return value


def _opt_str(source: str, key: str, value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise _fail(source, key, "expected a non-empty string")
    return value


def _accounts(source: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _fail(source, key, "expected a list of 12-digit AWS account ids")
    out = []
    for i, item in enumerate(value):
        text: Any = item
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < 10**12:
            text = str(item).zfill(12)  # YAML reads an unquoted id as a number: leading 0s lost
        if not isinstance(text, str) or not _ACCOUNT.match(text):
            raise _fail(source, f"{key}[{i}]", "expected a 12-digit AWS account id")
        out.append(text)
    return tuple(out)


def _rule_id(source: str, key: str, value: Any) -> str:
    if not looks_like_rule_id(value):
        raise _fail(source, key, "expected a rule id such as GR-IAM-05")
    return value


def _rules(source: str, value: Any) -> dict[str, RuleSettings]:
    if not isinstance(value, Mapping):
        raise _fail(source, "rules", "expected a mapping of rule ids to {enabled, severity}")
    out = {}
    for index, (rule_id, settings) in enumerate(value.items()):
        if not looks_like_rule_id(rule_id):
            raise _fail(
                source,
                "rules",
                f"the {_ordinal(index + 1)} key is not a rule id such as GR-IAM-05 (not shown)",
            )
        where = f"rules.{rule_id}"
        if isinstance(settings, bool):
            out[rule_id] = RuleSettings(enabled=settings)
            continue
        if not isinstance(settings, Mapping):
            raise _fail(
                source, where, "expected true, false or {enabled: true|false, severity: ...}"
            )
        _check_keys(source, where, settings, ("enabled", "severity"))
        severity = settings.get("severity")
        out[rule_id] = RuleSettings(
            enabled=_bool(source, f"{where}.enabled", settings.get("enabled", True)),
            severity=None
            if severity is None
            else _choice(source, f"{where}.severity", severity, SEVERITIES),
        )
    return out


def _iso_date(value: Any) -> dt.date | None:
    """``value`` as a date when it is text written ``YYYY-MM-DD`` that names a real day."""
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:  # 2027-02-30
        return None


def _date(source: str, key: str, value: Any) -> dt.date | None:
    """An exemption's end: a date (as YAML reads an unquoted ``2027-01-31``) or the same text.
    A time of day, a number (``20270331``) or a loose form (``2027-3-1``) is refused rather
    than guessed: an exemption that ends on the wrong day hides a finding."""
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    parsed = _iso_date(value)
    if parsed is None:
        raise _fail(source, key, "expected a date written YYYY-MM-DD (a real calendar date)")
    return parsed


_EXEMPTION_KEYS = ("rule", "resource", "reason", "expires")


def _exemptions(source: str, value: Any) -> tuple[Exemption, ...]:
    if not isinstance(value, list):
        raise _fail(source, "exemptions", "expected a list of {rule, resource, reason, expires}")
    out = []
    for i, item in enumerate(value):
        where = f"exemptions[{i}]"
        if not isinstance(item, Mapping):
            raise _fail(source, where, "expected {rule, resource, reason, expires}")
        _check_keys(source, where, item, _EXEMPTION_KEYS)
        rule = _rule_id(source, f"{where}.rule", item.get("rule"))
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise _fail(source, f"{where}.reason", "every exemption needs a reason (text)")
        resource = item.get("resource")
        if not isinstance(resource, str) or not resource:
            raise _fail(source, f"{where}.resource", "give a construct path glob or a logical id")
        out.append(
            Exemption(
                rule=rule,
                resource=resource,
                reason=reason.strip(),
                expires=_date(source, f"{where}.expires", item.get("expires")),
            )
        )
    return tuple(out)


def _framework(source: str, value: Any) -> FrameworkSettings:
    if not isinstance(value, Mapping):
        raise _fail(source, "framework", "expected {severity, rules, remediate}")
    _check_keys(source, "framework", value, ("severity", "rules", "remediate"))
    severity = value.get("severity", "info")
    rules = value.get("rules", list(DEFAULT_FRAMEWORK_RULES))
    if not isinstance(rules, list):
        raise _fail(source, "framework.rules", "expected a list of rule ids")
    return FrameworkSettings(
        severity=None
        if severity is None
        else _choice(source, "framework.severity", severity, SEVERITIES),
        rules=tuple(_rule_id(source, f"framework.rules[{i}]", r) for i, r in enumerate(rules)),
        remediate=_bool(source, "framework.remediate", value.get("remediate", False)),
    )


def _approved_vpc(source: str, value: Any) -> ApprovedVpc | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _fail(
            source, "approved_vpc", "expected {subnet_ids: [...], security_group_ids: [...]}"
        )
    _check_keys(source, "approved_vpc", value, ("subnet_ids", "security_group_ids"))
    ids = {}
    for key, prefix in (("subnet_ids", "subnet-"), ("security_group_ids", "sg-")):
        items = value.get(key)
        if not isinstance(items, list) or not items:
            raise _fail(source, f"approved_vpc.{key}", f"expected a list of {prefix}... ids")
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.startswith(prefix):
                raise _fail(source, f"approved_vpc.{key}[{i}]", f"expected a {prefix}... id")
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
    _check_keys(source, "", data, KNOWN_KEYS)
    return {key: _PARSERS[key](source, key, value) for key, value in data.items()}
