"""GR-DEP-02..06 on one synthesized app (one stack per case). Code assets are folders written
into the test's temporary directory before the synth; CDK stages them into the cloud assembly,
where the rules read them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_signer as signer

from guardrails import engine
from guardrails.cli import main
from guardrails.errors import PolicyError
from guardrails.policy import Policy
from guardrails.report import text
from tests.conftest import ENV, TODAY, flagged, function, logical_id, synth

OSV_DB = Path(__file__).parent.parent / "fixtures" / "osv" / "db"
CSC_ARN = "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0a1b2c3d4e5f6a7b8"
POWERTOOLS = "017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"
DATADOG = "arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Python312:100"
DIGEST = "sha256:" + "5" * 64
IDS: dict[str, str] = {}

ASSETS: dict[str, dict[str, str | dict]] = {
    "pinned": {
        "index.py": "def handler(event, context):\n    return None\n",
        "requirements.txt": (
            "# compiled with pip-compile\n"
            "--index-url https://pypi.org/simple\n"
            "requests==2.32.3 \\\n"
            "    --hash=sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6\n"
            "urllib3===2.2.3\n"
            "-e .\n"
            "-r common.txt\n"
        ),
        "common.txt": "jinja2==3.1.4  # pinned as well\n",
        # an installed package that ships its own unpinned requirements file (in its RECORD)
        "somepkg-1.2.3.dist-info/METADATA": "Name: somepkg\nVersion: 1.2.3\n",
        "somepkg-1.2.3.dist-info/RECORD": "somepkg/__init__.py,,\nsomepkg/requirements.txt,,\n",
        "somepkg/__init__.py": "",
        "somepkg/requirements.txt": "numpy\n",
        "web/package.json": {"dependencies": {"lodash": "^4.17.21"}},
        "web/package-lock.json": {
            "lockfileVersion": 3,
            "packages": {"node_modules/lodash": {"version": "4.17.21"}},
        },
        "web/node_modules/lodash/package.json": {"dependencies": {"anything": "*"}},
        "esm/package.json": {"type": "module"},
    },
    "unpinned": {
        "index.py": "def handler(event, context):\n    return None\n",
        "requirements.txt": "requests>=2.20\nboto3\nurllib3==2.2.3\n-r extra.txt\n",
        "extra.txt": "# optional\njinja2~=3.1\n",
    },
    "nolock": {
        "index.mjs": "export const handler = async () => null;\n",
        "package.json": {"type": "module", "dependencies": {"lodash": "^4.17.0"}},
    },
    "vulnerable": {
        "index.py": "def handler(event, context):\n    return None\n",
        "requirements.txt": "requests==2.31.0\nboto3==1.35.36\n",
        "Jinja2-3.1.2.dist-info/METADATA": "Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.2\n",
        "package-lock.json": {
            "lockfileVersion": 3,
            "packages": {
                "": {"dependencies": {"lodash": "^4.17.0"}},
                "node_modules/lodash": {"version": "4.17.20"},
                "node_modules/lodash-es": {"version": "4.17.20", "dev": True},
            },
        },
        "package.json": {"dependencies": {"lodash": "^4.17.0"}},
    },
    "fixed": {
        "index.py": "def handler(event, context):\n    return None\n",
        "requirements.txt": "requests==2.32.3\n",
        "Jinja2-3.1.4.dist-info/METADATA": "Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.4\n",
        "npm-shrinkwrap.json": {
            "lockfileVersion": 1,
            "dependencies": {"lodash": {"version": "4.17.21"}},
        },
        "package.json": {"dependencies": {"lodash": "4.17.21"}},
    },
    "lockv1": {
        "index.js": "exports.handler = async () => null;\n",
        "package.json": {"dependencies": {"express-thing": "^1.0.0"}},
        "package-lock.json": {
            "lockfileVersion": 1,
            "dependencies": {
                "express-thing": {
                    "version": "1.0.0",
                    "dependencies": {"lodash": {"version": "4.17.15"}},
                }
            },
        },
    },
}


def _write_assets(root: Path) -> dict[str, str]:
    folders = {}
    for case, files in ASSETS.items():
        for name, content in files.items():
            path = root / case / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content if isinstance(content, str) else json.dumps(content))
        folders[case] = str(root / case)
    return folders


def build(app: cdk.App, assets: dict[str, str]) -> None:
    def stack(name: str, env: cdk.Environment | None = ENV) -> cdk.Stack:
        return cdk.Stack(app, name, env=env)

    def asset_fn(scope: cdk.Stack, case: str, **kwargs: object) -> lambda_.Function:
        return function(scope, code=lambda_.Code.from_asset(assets[case]), **kwargs)

    # GR-DEP-02
    IDS["Unsigned"] = logical_id(asset_fn(stack("Unsigned"), "pinned"))
    signed = stack("Signed")
    profile = signer.SigningProfile(
        signed, "Profile", platform=signer.Platform.AWS_LAMBDA_SHA384_ECDSA
    )
    config = lambda_.CodeSigningConfig(signed, "Signing", signing_profiles=[profile])
    asset_fn(signed, "pinned", code_signing_config=config)
    param = stack("SigningParam")
    fn = asset_fn(param, "pinned")
    csc = cdk.CfnParameter(param, "CodeSigningConfigArn")
    fn.node.default_child.add_property_override("CodeSigningConfigArn", csc.value_as_string)

    # GR-DEP-03
    aws_layers = stack("AwsLayers")
    region = cdk.Stack.of(aws_layers).region
    function(
        aws_layers,
        layers=[
            lambda_.LayerVersion.from_layer_version_arn(
                aws_layers, "Powertools", f"arn:aws:lambda:{region}:{POWERTOOLS}"
            ),
            lambda_.LayerVersion(aws_layers, "Own", code=lambda_.Code.from_asset(assets["fixed"])),
        ],
        params_and_secrets=lambda_.ParamsAndSecretsLayerVersion.from_version(
            lambda_.ParamsAndSecretsVersions.V1_0_103
        ),
        insights_version=lambda_.LambdaInsightsVersion.VERSION_1_0_229_0,
    )
    function(
        aws_layers,
        "Adot",
        adot_instrumentation=lambda_.AdotInstrumentationConfig(
            layer_version=lambda_.AdotLayerVersion.from_python_sdk_layer_version(
                lambda_.AdotLambdaLayerPythonSdkVersion.LATEST
            ),
            exec_wrapper=lambda_.AdotLambdaExecWrapper.INSTRUMENT_HANDLER,
        ),
    )
    vendor = stack("VendorLayer")
    IDS["VendorLayer"] = logical_id(
        function(
            vendor,
            layers=[
                lambda_.LayerVersion.from_layer_version_arn(
                    vendor, "Powertools", f"arn:aws:lambda:eu-west-1:{POWERTOOLS}"
                ),
                lambda_.LayerVersion.from_layer_version_arn(vendor, "Datadog", DATADOG),
            ],
        )
    )
    token = stack("LayerParam")
    layer_arn = cdk.CfnParameter(token, "LayerArn")
    function(
        token,
        layers=[lambda_.LayerVersion.from_layer_version_arn(token, "L", layer_arn.value_as_string)],
    )
    agnostic = stack("AgnosticLayers", env=None)
    function(
        agnostic,
        layers=[
            lambda_.LayerVersion.from_layer_version_arn(
                agnostic,
                "Mine",
                f"arn:aws:lambda:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:layer:shared:3",
            ),
            lambda_.LayerVersion.from_layer_version_arn(agnostic, "Datadog", DATADOG),
        ],
        params_and_secrets=lambda_.ParamsAndSecretsLayerVersion.from_version(
            lambda_.ParamsAndSecretsVersions.V1_0_103
        ),
    )

    # GR-DEP-04 / GR-DEP-05
    for case in ("pinned", "unpinned", "nolock", "vulnerable", "fixed", "lockv1"):
        IDS[case] = logical_id(asset_fn(stack(case.capitalize()), case))
    inline = stack("Inline")
    function(inline)
    bucket_code = stack("BucketCode")
    bucket = s3.Bucket.from_bucket_name(bucket_code, "Code", "team-artifacts")
    function(bucket_code, code=lambda_.Code.from_bucket(bucket, "fn/requirements.zip"))

    # GR-DEP-06
    repo_name = "orders"

    def image_fn(name: str, code_of: object) -> None:
        scope = stack(name)
        code = code_of(scope) if callable(code_of) else code_of
        IDS[name] = logical_id(lambda_.DockerImageFunction(scope, "Fn", code=code))

    image_dir = Path(assets["pinned"]).parent / "image"
    image_dir.mkdir(exist_ok=True)
    (image_dir / "Dockerfile").write_text(
        'FROM public.ecr.aws/lambda/python:3.13\nCOPY index.py ./\nCMD ["index.handler"]\n'
    )
    (image_dir / "index.py").write_text("def handler(event, context):\n    return None\n")

    def from_repo(tag: str):
        return lambda s: lambda_.DockerImageCode.from_ecr(
            ecr.Repository.from_repository_name(s, "Repo", repo_name), tag_or_digest=tag
        )

    image_fn("ImageAsset", lambda_.DockerImageCode.from_image_asset(str(image_dir)))
    image_fn("ImageTag", from_repo("v1"))
    image_fn("ImageDigest", from_repo(DIGEST))
    image_fn("ImageLatest", lambda s: lambda_.DockerImageCode.from_ecr(ecr.Repository(s, "Own")))
    image_fn(
        "ImageParam",
        lambda s: lambda_.DockerImageCode.from_ecr(
            ecr.Repository.from_repository_name(s, "Repo", repo_name),
            tag_or_digest=cdk.CfnParameter(s, "ImageTag").value_as_string,
        ),
    )
    agnostic_image = stack("AgnosticImageAsset", env=None)
    lambda_.DockerImageFunction(
        agnostic_image, "Fn", code=lambda_.DockerImageCode.from_image_asset(str(image_dir))
    )


@pytest.fixture(scope="module")
def assembly(module_tmp):
    assets = _write_assets(module_tmp / "assets")
    return synth(lambda app: build(app, assets), module_tmp / "cdk.out")


def _one(assembly, rule_id, stack, **kwargs):
    found = flagged(assembly, rule_id, stack, **kwargs)
    assert len(found) == 1, [f.message for f in found]
    return found[0]


# -- GR-DEP-02 ---------------------------------------------------------------------------------
def test_no_code_signing_config_is_low(assembly):
    f = _one(assembly, "GR-DEP-02", "Unsigned")
    assert f.severity == "low"
    assert (f.logical_id, f.location) == (IDS["Unsigned"], "Properties/CodeSigningConfigArn")
    assert f"Function {IDS['Unsigned']} has no code signing configuration" in f.message
    assert "require_code_signing" not in f.message


def test_required_code_signing_is_high_and_names_the_config(assembly):
    policy = Policy(require_code_signing=True, code_signing_config_arn=CSC_ARN)
    f = _one(assembly, "GR-DEP-02", "Unsigned", policy=policy)
    assert f.severity == "high"
    assert "the policy requires code signing (require_code_signing)" in f.message
    assert f"Attach {CSC_ARN}." in f.message


@pytest.mark.parametrize("stack", ["Signed", "SigningParam", "ImageTag", "ImageAsset"])
def test_signed_token_and_image_functions_are_silent(assembly, stack):
    policy = Policy(require_code_signing=True)
    assert flagged(assembly, "GR-DEP-02", stack, policy=policy) == []


# -- GR-DEP-03 ---------------------------------------------------------------------------------
def test_vendor_layer_is_flagged_at_its_index(assembly):
    f = _one(assembly, "GR-DEP-03", "VendorLayer")
    assert f.severity == "high"
    assert (f.logical_id, f.location) == (IDS["VendorLayer"], "Properties/Layers/1")
    assert f"Layer {DATADOG} comes from account 464622532012" in f.message
    assert "not this stack's account (123456789012)" in f.message


def test_trusted_layer_accounts_from_the_policy(assembly):
    policy = Policy(trusted_layer_accounts=("464622532012",))
    assert flagged(assembly, "GR-DEP-03", "VendorLayer", policy=policy) == []


@pytest.mark.parametrize("stack", ["AwsLayers", "LayerParam"])
def test_aws_published_own_and_token_layers_are_silent(assembly, stack):
    # Powertools, Parameters and Secrets, Lambda Insights, ADOT, the template's own LayerVersion
    assert flagged(assembly, "GR-DEP-03", stack) == []


def test_environment_agnostic_stack(assembly):
    # ${AWS::AccountId} is the stack's own; CDK's region table (Fn::FindInMap) is undecidable;
    # a literal account may be the stack's own: said nothing, unless the policy lists accounts
    assert flagged(assembly, "GR-DEP-03", "AgnosticLayers") == []
    trusting = Policy(trusted_layer_accounts=("111111111111",))
    [f] = flagged(assembly, "GR-DEP-03", "AgnosticLayers", policy=trusting)
    assert f.location == "Properties/Layers/1"
    assert "not known at synth: the stack is environment-agnostic" in f.message


# -- GR-DEP-04 ---------------------------------------------------------------------------------
def test_unpinned_requirements_name_file_and_lines(assembly):
    found = flagged(assembly, "GR-DEP-04", "Unpinned")
    assert [(f.logical_id, f.location, f.severity) for f in found] == [
        (IDS["unpinned"], "Properties/Code", "low")
    ] * 2
    messages = sorted(f.message for f in found)
    assert messages[0].startswith(
        f"extra.txt in the code asset of {IDS['unpinned']} does not pin 1 dependency to one "
        "version (line 2 jinja2~=3.1)"
    )
    assert messages[1].startswith(
        f"requirements.txt in the code asset of {IDS['unpinned']} does not pin 2 dependencies "
        "to one version (line 1 requests>=2.20, line 2 boto3 (any version))"
    )


def test_package_json_without_lock_file(assembly):
    f = _one(assembly, "GR-DEP-04", "Nolock")
    assert f.location == "Properties/Code"
    assert f.message.startswith(
        f"package.json in the code asset of {IDS['nolock']} declares dependencies but has no "
        "lock file"
    )


@pytest.mark.parametrize("stack", ["Pinned", "Fixed", "Lockv1", "Inline", "BucketCode"])
def test_pinned_locked_and_assetless_functions_are_silent(assembly, stack):
    assert flagged(assembly, "GR-DEP-04", stack) == []


# -- GR-DEP-05 ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def osv_zip(module_tmp):
    path = module_tmp / "osv" / "all.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as z:
        for record in sorted(OSV_DB.rglob("*.json")):
            z.write(record, record.name)
    return path


@pytest.mark.parametrize("database", ["folder", "zip"])
def test_vulnerable_dependencies_one_finding_per_package(assembly, osv_zip, database):
    policy = Policy(osv_database=str(OSV_DB if database == "folder" else osv_zip))
    found = flagged(assembly, "GR-DEP-05", "Vulnerable", policy=policy)
    assert {(f.logical_id, f.location, f.severity) for f in found} == {
        (IDS["vulnerable"], "Properties/Code", "high")
    }
    messages = sorted(f.message for f in found)
    assert messages == [
        "Jinja2 3.1.2 (PyPI, Jinja2-3.1.2.dist-info) in the code asset of "
        f"{IDS['vulnerable']} is affected by an advisory: GHSA-h5c8-rqwp-cp95 (CVE-2024-22195; "
        "fixed in 3.1.3). Upgrade to 3.1.3 or later.",
        f"lodash 4.17.20 (npm, package-lock.json) in the code asset of {IDS['vulnerable']} is "
        "affected by an advisory: GHSA-35jh-r3h4-6jhm (CVE-2021-23337; fixed in 4.17.21). "
        "Upgrade to 4.17.21 or later.",
        "requests 2.31.0 (PyPI, requirements.txt line 1) in the code asset of "
        f"{IDS['vulnerable']} is affected by an advisory: GHSA-9wx4-h78v-vm56 (CVE-2024-35195; "
        "fixed in 2.32.0). Upgrade to 2.32.0 or later.",
    ]


def test_lockfile_v1_nested_dependency(assembly):
    policy = Policy(osv_database=str(OSV_DB))
    f = _one(assembly, "GR-DEP-05", "Lockv1", policy=policy)
    assert f.message.startswith("lodash 4.17.15 (npm, package-lock.json)")


@pytest.mark.parametrize("stack", ["Fixed", "Pinned", "Unpinned", "Inline", "BucketCode"])
def test_fixed_unpinned_and_assetless_are_silent(assembly, stack):
    assert flagged(assembly, "GR-DEP-05", stack, policy=Policy(osv_database=str(OSV_DB))) == []


def test_without_a_database_nothing_and_the_report_says_so(assembly):
    report = engine.scan(assembly, Policy(), today=TODAY)
    assert [f for f in report.findings if f.rule_id == "GR-DEP-05"] == []
    assert [n for n in report.notices if n.startswith("vulnerability database:")] == [
        "vulnerability database: not configured (GR-DEP-05 checks no dependency against known "
        "vulnerabilities; set the policy key osv_database to a folder or zip of OSV records)"
    ]
    assert "vulnerability database: not configured" in text.render(report)
    off = Policy.from_mapping({"rules": {"GR-DEP-05": False}})
    notices = engine.scan(assembly, off, today=TODAY).notices
    assert not [n for n in notices if n.startswith("vulnerability database")]


def test_a_configured_database_is_named_in_the_report(assembly):
    report = engine.scan(assembly, Policy(osv_database=str(OSV_DB)), today=TODAY)
    assert (
        f"vulnerability database: {OSV_DB.resolve()} (4 PyPI and npm advisories, newest record "
        "modified 2024-05-20)"
    ) in report.notices


def test_a_wrong_database_path_stops_the_scan(assembly, module_tmp, capsys):
    missing = module_tmp / "no-such-osv"
    policy = Policy.from_mapping({"osv_database": str(missing)}, source="guardrails.yaml")
    with pytest.raises(PolicyError, match=r"^guardrails.yaml: policy key 'osv_database': .*"):
        engine.scan(assembly, policy, today=TODAY)
    policy_file = module_tmp / "policy.yaml"
    policy_file.write_text(f"osv_database: {missing.name}\n")
    assert main(["scan", str(module_tmp / "cdk.out"), "--policy", str(policy_file)]) == 2
    err = capsys.readouterr().err
    assert f"policy key 'osv_database': {missing} does not exist" in err


# -- GR-DEP-06 ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("stack", "tag"), [("ImageTag", "v1"), ("ImageLatest", "latest")])
def test_image_by_tag(assembly, stack, tag):
    f = _one(assembly, "GR-DEP-06", stack)
    assert f.severity == "medium"
    assert (f.logical_id, f.location) == (IDS[stack], "Properties/Code/ImageUri")
    assert f"by its tag {tag}: the tag can be moved to another image" in f.message


@pytest.mark.parametrize(
    "stack", ["ImageDigest", "ImageAsset", "AgnosticImageAsset", "ImageParam", "Unsigned"]
)
def test_digest_cdk_assets_and_tokens_are_silent(assembly, stack):
    assert flagged(assembly, "GR-DEP-06", stack) == []
