"""Rules: dependencies and supply chain (GR-DEP).

What runs in a function besides the team's own code: the runtime (GR-DEP-01), the code package
and who signed it (GR-DEP-02), layers (GR-DEP-03), the packages of the code asset (GR-DEP-04,
GR-DEP-05) and the container image (GR-DEP-06). Facts that change over time are data, not code:
the runtime lifecycle (``guardrails/data/runtimes.json``, read by ``guardrails.model.runtimes``)
and the accounts AWS publishes layers from (``guardrails/data/layer_accounts.json``). Code assets
are read by ``guardrails.model.packages``, the offline OSV database by ``guardrails.model.osv``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from guardrails.model import osv, packages
from guardrails.model.function import LambdaFunction
from guardrails.model.runtimes import RuntimeLifecycle, lifecycle
from guardrails.model.values import Text, Token, render
from guardrails.rules.base import RuleContext, Violation, rule
from guardrails.rules.quoting import IMAGE_TAG, quote_account, quote_arn, quote_runtime, safe_name


def _upgrade(lc: RuntimeLifecycle) -> str:
    return f" Move to {lc.successor}." if lc.successor else ""


def _update_block(lc: RuntimeLifecycle, today: dt.date) -> str:
    if lc.block_update is None:
        return ""
    tense = "have been blocked since" if lc.block_update <= today else "are blocked from"
    return f"; updates {tense} {lc.block_update.isoformat()}"


@rule(
    "GR-DEP-01",
    title="Deprecated or soon-deprecated runtime",
    severity="critical",
    rationale=(
        "A deprecated runtime no longer receives security patches, and once Lambda blocks "
        "creating or updating functions on it, the next deployment of the stack fails: a fix "
        "cannot ship until the runtime is upgraded."
    ),
    fix=(
        "Pass a supported runtime, e.g. `runtime=lambda_.Runtime.PYTHON_3_14` or "
        "`lambda_.Runtime.NODEJS_24_X`, and test the code on it."
    ),
    references={
        "Security Hub": "Lambda.2",
        "AWS Config": "lambda-function-settings-check",
        "cdk-nag": "AwsSolutions-L1",
        "checkov": "CKV_AWS_363",
    },
    example="""
        lambda_.Function(
            self, "Fn",
            runtime=lambda_.Runtime.PYTHON_3_14,  # the newest runtime of the language
            handler="index.handler",
            code=lambda_.Code.from_asset("src"),
        )
    """,
)
def runtime_lifecycle(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The function's ``Runtime`` against the dated lifecycle table shipped with the package:
    creation blocked (``block_create <= today``) -> critical; deprecated (``deprecation <=
    today``) -> high; deprecation within ``policy.runtime_warning_days`` days (default 180) ->
    medium. "Today" is ``ctx.today``.

    Interpretations: dates are whole UTC days and a date is reached on that day. A runtime whose
    update block has also passed is reported once, as critical, saying so. "Within N days" is
    ``0 < deprecation - today <= N`` (N = 0 turns the medium case off). Container image
    functions (``PackageType: Image``) have no runtime and are not checked. A runtime that is a
    token (a parameter, ``Fn::If``) cannot be decided and is not reported. A runtime id that is
    not in the table (newer than the package's data, or a typo that CloudFormation rejects
    anyway) is not reported either: the rule does not guess a schedule. Entries without dates
    (container-only runtimes, runtimes AWS has not scheduled) are never reported. One violation
    at ``Properties/Runtime``. Only runtimes of the table are reported, so the message quotes an
    id of that closed list.
    """
    if fn.package_type == "Image":
        return
    runtime = fn.runtime
    if not isinstance(runtime, str):
        return
    lc = lifecycle(runtime)
    if lc is None:
        return
    today = ctx.today
    where = fn.site.at("Runtime")
    runtime = quote_runtime(runtime)  # in the table: quoted as written
    if lc.block_create is not None and lc.block_create <= today:
        yield Violation(
            where,
            f"Runtime {runtime} is deprecated and Lambda has blocked creating functions with it "
            f"since {lc.block_create.isoformat()}{_update_block(lc, today)}: deploying "
            f"{fn.logical_id} as a new function fails.{_upgrade(lc)}",
            severity="critical",
        )
        return
    if lc.deprecation is None:
        return
    if lc.deprecation <= today:
        blocked = (
            f"; Lambda blocks creating functions with it from {lc.block_create.isoformat()}"
            if lc.block_create is not None
            else ""
        )
        yield Violation(
            where,
            f"Runtime {runtime} has been deprecated since {lc.deprecation.isoformat()} and no "
            f"longer receives security patches{blocked}{_update_block(lc, today)}.{_upgrade(lc)}",
            severity="high",
        )
        return
    days = (lc.deprecation - today).days
    if days <= ctx.policy.runtime_warning_days:
        yield Violation(
            where,
            f"Runtime {runtime} is deprecated on {lc.deprecation.isoformat()} (in {days} days); "
            f"it then stops receiving security patches.{_upgrade(lc)}",
            severity="medium",
        )


# -- GR-DEP-02 ---------------------------------------------------------------------------------
@rule(
    "GR-DEP-02",
    title="No code signing configuration",
    severity="low",
    rationale=(
        "Without a code signing configuration Lambda accepts any code package for the function: "
        "whoever can call UpdateFunctionCode (a leaked pipeline credential, a compromised "
        "build) can replace the code with a package nobody in the team signed."
    ),
    fix=(
        "Create a signing profile and a `lambda_.CodeSigningConfig` with "
        "`untrusted_artifact_on_deployment=ENFORCE`, pass it as `code_signing_config=`, and sign "
        "the code packages in the pipeline with AWS Signer."
    ),
    remediation="safe",
    references={"checkov": "CKV_AWS_272"},
    example="""
        profile = signer.SigningProfile(
            self, "SigningProfile", platform=signer.Platform.AWS_LAMBDA_SHA384_ECDSA
        )
        signing = lambda_.CodeSigningConfig(
            self, "CodeSigning",
            signing_profiles=[profile],
            untrusted_artifact_on_deployment=lambda_.UntrustedArtifactOnDeployment.ENFORCE,
        )
        lambda_.Function(self, "Fn", ..., code_signing_config=signing)
    """,
)
def code_signing(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The function has no ``CodeSigningConfigArn``: low, or high when the policy sets
    ``require_code_signing``. The hardening Aspect can attach the policy's
    ``code_signing_config_arn`` (remediation "safe" when the policy names one).

    Interpretations: container image functions (``PackageType: Image`` or a ``Code.ImageUri``)
    are not reported, since Lambda does not support code signing for images (their integrity is
    GR-DEP-06's subject). Any value of ``CodeSigningConfigArn``, a token included (a ``GetAtt`` of
    a config in the template, a parameter, an import), counts as configured: the rule checks
    that signing is set up, not which profile signs. Inline code (``Code.ZipFile``) is reported
    like any zip package, since it cannot be signed at all. One violation at
    ``Properties/CodeSigningConfigArn``.
    """
    if fn.package_type == "Image" or (fn.code is not None and fn.code.image_uri is not None):
        return
    if fn.properties.get("CodeSigningConfigArn") not in (None, ""):
        return
    required = ctx.policy.require_code_signing
    message = (
        f"Function {fn.logical_id} has no code signing configuration (CodeSigningConfigArn): "
        "Lambda deploys any code package for it, signed or not"
    )
    if required:
        message += "; the policy requires code signing (require_code_signing)"
    if ctx.policy.code_signing_config_arn:
        message += f". Attach {ctx.policy.code_signing_config_arn}"
    yield Violation(
        fn.site.at("CodeSigningConfigArn"), message + ".", severity="high" if required else None
    )


# -- GR-DEP-03 ---------------------------------------------------------------------------------
_LAYER_ACCOUNTS = "data/layer_accounts.json"
_ACCOUNT_ID = re.compile(r"^\d{12}$")


@cache
def aws_layer_accounts() -> frozenset[str]:
    """Accounts AWS publishes Lambda layers from (``guardrails/data/layer_accounts.json``)."""
    raw = json.loads(
        resources.files("guardrails").joinpath(_LAYER_ACCOUNTS).read_text(encoding="utf-8")
    )
    return frozenset(a for p in raw["publishers"] for a in p["accounts"])


def layer_account(value: Any) -> str | None:
    """The account of a layer version ARN (``arn:<partition>:lambda:<region>:<account>:layer:
    <name>:<version>``): the 12 digits, ``"self"`` for the ``AWS::AccountId`` pseudo parameter,
    or None when it cannot be told (a token, a dynamic reference, not a layer ARN)."""
    if isinstance(value, str):
        parts: tuple[str | Token, ...] = (value,)
    elif isinstance(value, Text):
        parts = value.parts
    else:
        return None
    fields: list[list[str | Token]] = [[]]
    for part in parts:
        if isinstance(part, Token):
            fields[-1].append(part)
            continue
        first, *rest = part.split(":")
        if first:
            fields[-1].append(first)
        fields.extend([piece] if piece else [] for piece in rest)
    if len(fields) < 7 or fields[0] != ["arn"] or fields[2] != ["lambda"] or fields[5] != ["layer"]:
        return None
    account = fields[4]
    if len(account) != 1:
        return None
    only = account[0]
    if isinstance(only, str):
        return only if _ACCOUNT_ID.match(only) else None
    if only.kind == "pseudo" and only.target == "AWS::AccountId":
        return "self"
    return None


@rule(
    "GR-DEP-03",
    title="Layer from an untrusted account",
    severity="high",
    rationale=(
        "A layer's code runs inside the function with the function's role and sees every event. "
        "A layer published from an account the organisation does not control holds code nobody "
        "in the team reviewed, and its publisher decides what the next version contains."
    ),
    fix=(
        "Build the layer in your own account (`lambda_.LayerVersion(self, ..., code=...)`), use "
        "an AWS-published layer, or, after a review of the vendor, add its account to the "
        "policy's `trusted_layer_accounts`."
    ),
    example="""
        powertools = lambda_.LayerVersion.from_layer_version_arn(
            self, "Powertools",
            f"arn:aws:lambda:{self.region}:017000801446:layer:"
            "AWSLambdaPowertoolsPythonV3-python313-x86_64:27",
        )  # published by AWS
        shared = lambda_.LayerVersion(
            self, "Shared", code=lambda_.Code.from_asset("layers/shared")
        )  # your own account
        lambda_.Function(self, "Fn", ..., layers=[powertools, shared])
        # a vendor's layer: review it, then add its account to trusted_layer_accounts
    """,
)
def untrusted_layer(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """A layer version (``fn.layers``) published from an account that is neither the stack's
    own, nor in the policy's ``trusted_layer_accounts``, nor one of the accounts AWS publishes
    layers from (``guardrails/data/layer_accounts.json``, with its sources: Powertools for AWS
    Lambda, the Parameters and Secrets extension, Lambda Insights, ADOT, the AppConfig
    extension). Third-party vendors are not AWS and are never trusted by default.

    Interpretations: a layer given as a ``Ref`` / ``GetAtt`` to a resource of the template is the
    stack's own; an ARN whose account is ``${AWS::AccountId}`` is the stack's own. A layer that
    is a parameter, an import, an ``Fn::FindInMap`` on the region (CDK's region tables of
    env-agnostic stacks), a ``{{resolve:ssm:...}}`` dynamic reference or anything else whose
    account cannot be read is not reported. An AWS account id is global, so an AWS publisher
    account is trusted in every region. In an environment-agnostic stack (account unknown at
    synth) the rule cannot tell whether a literal account is the stack's own, so it says
    nothing, unless the policy lists ``trusted_layer_accounts`` and the account is in none of
    the lists (the organisation said which accounts it trusts). One
    violation per untrusted layer at ``Properties/Layers/<index>``. The layer is quoted only as
    an ARN, the account as a 12-digit id.
    """
    trusted = set(ctx.policy.trusted_layer_accounts) | aws_layer_accounts()
    if fn.account:
        trusted.add(fn.account)
    for index, layer in enumerate(fn.layers):
        account = layer_account(layer)
        if account is None or account == "self" or account in trusted:
            continue
        if not fn.account and not ctx.policy.trusted_layer_accounts:
            continue  # maybe the stack's own account: cannot decide, say nothing
        own = (
            f"this stack's account ({quote_account(fn.account)})"
            if fn.account
            else "this stack's account (not known at synth: the stack is environment-agnostic)"
        )
        yield Violation(
            fn.site.at("Layers", index),
            f"Layer {quote_arn(layer, 'a value that is not a layer ARN')} comes from account "
            f"{quote_account(account)}, which is not {own}, not in "
            "the policy's trusted_layer_accounts and not an account AWS publishes layers from: "
            f"its code runs inside {fn.logical_id} with the function's permissions.",
        )


# -- GR-DEP-04 ---------------------------------------------------------------------------------
_LISTED = 8


@rule(
    "GR-DEP-04",
    title="Code asset with unpinned dependencies",
    severity="low",
    rationale=(
        "A version range is resolved again at every build: two builds of the same commit can "
        "ship different code, and a compromised or broken release reaches production without "
        "anyone changing a line."
    ),
    fix=(
        "Pin every Python requirement to one version (`pip-compile` or `pip freeze` writes "
        "`name==version`, with `--hash` if you can), and commit the lock file of a "
        "`package.json` (`npm install` writes `package-lock.json`) into the asset folder."
    ),
    example="""
        # src/requirements.txt
        #   requests==2.32.3
        #   boto3==1.35.36
        # src/package.json beside the package-lock.json that npm install wrote
        lambda_.Function(self, "Fn", ..., code=lambda_.Code.from_asset("src"))
    """,
)
def unpinned_dependencies(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The function's code asset (a directory or zip staged in the cloud assembly) has a
    ``requirements.txt`` line without ``==`` (``===`` counts as pinned; ``==1.*`` does not), or
    a ``package.json`` with runtime dependencies and no lock file (``package-lock.json``,
    ``npm-shrinkwrap.json``, ``yarn.lock``, ``pnpm-lock.yaml``, ``bun.lock``) beside it or in a
    folder above it inside the asset (a workspace root), nor npm's ``node_modules/
    .package-lock.json``.

    Interpretations (see ``guardrails.model.packages``): manifests at any depth of the asset
    count, except inside ``node_modules`` and files an installed Python distribution lists in
    its ``RECORD``. ``requirements.txt`` files are read with the files they include (``-r``,
    ``-c``; a name pinned in a constraints file is pinned); comments, options (``--index-url``,
    ``--hash``...), local paths and ``-e .`` (the team's own code) are skipped; a URL or VCS
    requirement counts as pinned only with a hash or a full commit id. A line ``pip`` could not
    parse is not judged. A ``package.json`` with only ``devDependencies`` or none (``{"type":
    "module"}``) installs nothing at runtime and is not reported. ``pyproject.toml``, ``Pipfile``
    and other managers are not read. Functions without a code asset in the assembly (inline
    code, an S3 object or image of a template scanned alone) are not reported. One violation per
    manifest at ``Properties/Code``, naming the file (path inside the asset) and its lines. An
    asset the assembly names that is missing, or a folder or special file in it that cannot be
    read, is an error of the report (the scan fails closed), not a clean result.
    """
    if fn.code is None or fn.code.asset_path is None:
        return
    found = packages.read(fn.code.asset_path)
    yield from _not_read(fn, found)
    by_file: dict[str, list[packages.Unpinned]] = {}
    for u in found.unpinned:
        by_file.setdefault(u.file, []).append(u)
    for file, lines in by_file.items():
        listed = ", ".join(f"line {u.line} {u.requirement}" for u in lines[:_LISTED])
        more = f" and {len(lines) - _LISTED} more" if len(lines) > _LISTED else ""
        yield Violation(
            fn.code.site,
            f"{file} in the code asset of {fn.logical_id} does not pin {len(lines)} "
            f"dependenc{'y' if len(lines) == 1 else 'ies'} to one version ({listed}{more}): "
            "each build can install different code.",
            key=file,
        )
    for file in found.unlocked:
        yield Violation(
            fn.code.site,
            f"{file} in the code asset of {fn.logical_id} declares dependencies but has no lock "
            "file (package-lock.json, npm-shrinkwrap.json, yarn.lock or pnpm-lock.yaml) beside "
            "or above it: every build resolves the version ranges anew.",
            key=file,
        )


def _not_read(fn: LambdaFunction, found: packages.AssetDependencies) -> Iterator[Violation]:
    """What of the asset could not be read: an error in the report, never a clean result."""
    if found.unreadable and fn.code is not None:
        shown = ", ".join(found.unreadable[:3])
        more = f" and {len(found.unreadable) - 3} more" if len(found.unreadable) > 3 else ""
        yield Violation(
            fn.code.site,
            f"the code asset could not be read in full ({shown}{more} could not be opened)",
            key="unreadable",
            incomplete=True,
        )


# -- GR-DEP-05 ---------------------------------------------------------------------------------
NOT_CONFIGURED = "vulnerability database: not configured"


def vulnerability_database(ctx: RuleContext) -> str:
    """The report line about the OSV database; loading it here (once per scan) turns a wrong
    ``osv_database`` into a ``PolicyError`` before any function is checked."""
    if ctx.policy.osv_database is None:
        return (
            f"{NOT_CONFIGURED} (GR-DEP-05 checks no dependency against known vulnerabilities; "
            "set the policy key osv_database to a folder or zip of OSV records)"
        )
    db = osv.load(ctx.policy.osv_database, ctx.policy.source)
    newest = f", newest record modified {db.newest[:10]}" if db.newest else ""
    return f"vulnerability database: {db.path} ({db.advisories} PyPI and npm advisories{newest})"


def _advisory_groups(matches: list[osv.Match]) -> list[osv.Match]:
    """One entry per vulnerability: records that name each other (a PYSEC and its GHSA) or
    share a CVE are one, with their fixed versions merged."""
    groups: list[tuple[set[str], osv.Match]] = []
    for m in matches:
        names = {m.advisory.id, *m.advisory.aliases}
        for i, (seen, kept) in enumerate(groups):
            if seen & names:
                fixed = tuple(sorted(set(kept.fixed) | set(m.fixed)))
                groups[i] = (seen | names, osv.Match(kept.advisory, fixed))
                break
        else:
            groups.append((names, m))
    return [m for _, m in groups]


def _describe(dep: packages.Dependency, matches: list[osv.Match]) -> str:
    parts = []
    for m in matches:
        aliases = sorted(
            (a for a in m.advisory.aliases if a != m.advisory.id),
            key=lambda a: (not a.startswith("CVE-"), a),
        )[:2]
        fix = f"fixed in {m.fixed[0]}" if m.fixed else "no fixed version"
        parts.append(f"{m.advisory.id} ({'; '.join([*aliases, fix])})")
    return ", ".join(parts)


@rule(
    "GR-DEP-05",
    title="Dependency with a known vulnerability",
    severity="high",
    rationale=(
        "A published advisory tells attackers exactly which versions to look for. A function "
        "that ships an affected version is exposed until the dependency is upgraded, however "
        "correct the team's own code is."
    ),
    fix=(
        "Upgrade the package to the fixed version the finding names (pin it in "
        "requirements.txt / refresh the lock file) and rebuild the asset; keep the policy's "
        "`osv_database` copy of osv.dev current."
    ),
    notice=vulnerability_database,
    example="""
        # guardrails.yaml: osv_database: osv/   (osv.dev's PyPI/all.zip and npm/all.zip)
        # src/requirements.txt: requests==2.32.3   (the release that fixes the advisory)
        lambda_.Function(self, "Fn", ..., code=lambda_.Code.from_asset("src"))
    """,
)
def known_vulnerability(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """A dependency of the code asset matches an advisory of the offline OSV database the
    policy names (``osv_database``: a folder of OSV JSON records, nested per ecosystem or not, or
    a zip such as osv.dev's per-ecosystem ``all.zip``). Dependencies are the exact versions the
    asset installs or ships: ``requirements.txt`` pins (and constraint pins), installed
    ``*.dist-info/METADATA``, and ``package-lock.json`` / ``npm-shrinkwrap.json`` (v1
    ``dependencies``, v2/v3 ``packages``) and npm's ``node_modules/.package-lock.json``.

    Without a database the rule reports nothing and the report says "vulnerability database:
    not configured" (the rule's ``notice``, once per scan). A configured path that does not
    exist or holds no OSV record stops the scan with a ``PolicyError`` naming the key and the
    path. A relative path is relative to the policy file it is written in.

    Interpretations: PyPI names are compared after PEP 503 normalisation and versions with PEP
    440; npm versions with SemVer. Unpinned requirement lines have no version and are GR-DEP-04's
    subject. Development-only packages of a ``package-lock.json`` (``dev: true``) are skipped,
    since production builds omit them; npm's hidden lockfile lists what is installed and counts
    whole. Environment markers of a requirement are not evaluated. Records of one vulnerability
    under several ids (a PYSEC record and its GHSA alias) are reported once. Layers are not
    scanned (their contents are not in the function's asset). One violation per vulnerable
    package at ``Properties/Code``, naming the package, version, where it was found, the
    advisory ids with their CVE aliases, and the fixed version.
    """
    if ctx.policy.osv_database is None or fn.code is None or fn.code.asset_path is None:
        return
    db = osv.load(ctx.policy.osv_database, ctx.policy.source)
    found = packages.read(fn.code.asset_path)
    yield from _not_read(fn, found)
    for dep in found.dependencies:
        matches = _advisory_groups(db.matches(dep.ecosystem, dep.name, dep.version))
        if not matches:
            continue
        upgrade = ""
        if all(m.fixed for m in matches):
            target = max((m.fixed[0] for m in matches), key=osv.version_key(dep.ecosystem))
            upgrade = f" Upgrade to {target} or later."
        count = f"{len(matches)} advisories" if len(matches) > 1 else "an advisory"
        yield Violation(
            fn.code.site,
            f"{dep.name} {dep.version} ({dep.ecosystem}, {dep.source}) in the code asset of "
            f"{fn.logical_id} is affected by {count}: {_describe(dep, matches)}.{upgrade}",
            key=f"{dep.ecosystem}:{dep.name}@{dep.version}",
        )


# -- GR-DEP-06 ---------------------------------------------------------------------------------
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}")
#: CDK's image assets: the bootstrap repository (or the legacy synthesizer's) with the asset
#: hash as the tag, content-addressed like a digest
_CDK_IMAGE_ASSET = re.compile(
    r"/(?:cdk-[a-z0-9]+-container-assets-[^/]+|aws-cdk/assets):[0-9a-f]{64}$"
)


@rule(
    "GR-DEP-06",
    title="Container image referenced by tag",
    severity="medium",
    rationale=(
        "A tag can be moved to another image at any time: what the function runs can change "
        "without a change to the stack, and a pushed image with the same tag is deployed on the "
        "next update without review."
    ),
    fix=(
        "Reference the image by digest: `DockerImageCode.from_ecr(repo, "
        "tag_or_digest='sha256:...')`, or build it from the app with "
        "`DockerImageCode.from_image_asset(...)`."
    ),
    example="""
        lambda_.DockerImageFunction(
            self, "Fn", code=lambda_.DockerImageCode.from_image_asset("image")
        )
        # an image built elsewhere, by digest:
        lambda_.DockerImageCode.from_ecr(repo, tag_or_digest="sha256:<64 hex digits>")
    """,
)
def image_by_tag(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """A container image function's ``Code.ImageUri`` names a tag (``repo:v1``, ``repo:latest``)
    or no tag at all (Lambda then resolves ``latest``) instead of an ``@sha256:`` digest.

    Interpretations: CDK image assets (``DockerImageCode.from_image_asset``) are not reported:
    CDK pushes them to the bootstrap repository ``cdk-<qualifier>-container-assets-<account>-
    <region>`` (``aws-cdk/assets`` with the legacy synthesizer) tagged with the asset's content
    hash, so the tag is content-addressed. A URI whose last part is a token (a parameter, a
    repository URI without the tag) cannot be decided and is not reported; a tag after a token
    (``${Repo}:v2``) is. One violation at ``Properties/Code/ImageUri``. The message does not
    quote the image's URI (its repository name is free-form): it names the function, and the
    tag only when it matches the tag pattern and does not look like a credential ("tag not
    shown").
    """
    uri = fn.code.image_uri if fn.code is not None else None
    if isinstance(uri, str):
        parts: tuple[str | Token, ...] = (uri,)
    elif isinstance(uri, Text):
        parts = uri.parts
    else:
        return
    if any(isinstance(p, str) and _DIGEST.search(p) for p in parts):
        return
    tail = parts[-1] if isinstance(parts[-1], str) else ""
    shown = render(uri)
    if not tail or _CDK_IMAGE_ASSET.search(shown):
        return
    last = tail.rsplit("/", 1)[-1]
    if "@" in last:
        return  # a digest of another algorithm: not for this rule to judge
    if ":" in last:
        tag = last.rsplit(":", 1)[1]
        if not tag:
            return
        quoted = safe_name(tag, IMAGE_TAG)
        how = f"by its tag {quoted}" if quoted else "by a tag instead of a digest (tag not shown)"
    elif "/" in tail:
        how = "without a tag or digest (Lambda resolves the tag latest)"
    else:
        return
    yield Violation(
        fn.code.site.at("ImageUri"),  # type: ignore[union-attr]
        f"Function {fn.logical_id} runs its container image (Code.ImageUri) {how}: the tag can be "
        "moved to another image, so what runs can change without a change to the stack. "
        "Reference it by digest (@sha256:...).",
    )
