"""Lines of resources and properties in template files as written (JSON, YAML, CDK, SAM)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import aws_cdk as cdk
import pytest

from guardrails.model import lines
from guardrails.model.lines import property_line, resource_line, resource_lines
from guardrails.model.template import load_template
from tests.conftest import ENV, function, synth

JSON_TEMPLATE = """\
{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Metadata": {
    "Resources": {
      "NotAResource": {}
    }
  },
  "Resources": {
    "OrdersRole": {
      "Type": "AWS::IAM::Role",
      "Properties": {
        "AssumeRolePolicyDocument": {
          "Statement": [
            {
              "Action": "sts:AssumeRole"
            }
          ]
        }
      }
    },
    "OrdersFn": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Role": {
          "Fn::GetAtt": [
            "OrdersRole",
            "Arn"
          ]
        },
        "Environment": {
          "Variables": {
            "TABLE": "orders"
          }
        }
      }
    },
    "Empty": {}
  },
  "Outputs": {
    "Fn": {
      "Value": "x"
    }
  }
}
"""

YAML_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
# Resources: a comment, not the section
Parameters:
  Stage:
    Type: String
Resources:
  # the role first
  OrdersRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRole
  "OrdersFn":   # quoted
    Type: AWS::Lambda::Function
    Properties:
      Code:
        ZipFile: |
          def handler(event, context):
              return None

      Environment:
        Variables:
          TABLE: orders
  'OrdersQueue':
    Type: AWS::SQS::Queue
Outputs:
  Fn:
    Value: !Ref OrdersFn
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def line_of(path: str, needle: str, after: int = 0) -> int:
    """The first line from line ``after`` on that starts with ``needle``."""
    text = Path(path).read_text(encoding="utf-8").split("\n")
    return next(i + 1 for i, line in enumerate(text) if i + 1 >= after and line.startswith(needle))


def test_json_resources_at_the_depth_of_resources(tmp_path):
    path = write(tmp_path, "t.json", JSON_TEMPLATE)
    assert dict(resource_lines(path)) == {
        "OrdersRole": line_of(path, '    "OrdersRole": {'),
        "OrdersFn": line_of(path, '    "OrdersFn": {'),
        "Empty": line_of(path, '    "Empty": {}'),
    }
    assert set(resource_lines(path)) == set(json.loads(JSON_TEMPLATE)["Resources"])


def test_yaml_resources_at_the_indentation_of_the_first_child(tmp_path):
    path = write(tmp_path, "t.yaml", YAML_TEMPLATE)
    assert dict(resource_lines(path)) == {
        "OrdersRole": line_of(path, "  OrdersRole:"),
        "OrdersFn": line_of(path, '  "OrdersFn":'),
        "OrdersQueue": line_of(path, "  'OrdersQueue':"),
    }
    assert set(resource_lines(path)) == set(load_template(Path(path))["Resources"])


def test_crlf_and_a_byte_order_mark_count_lines_as_editors_do(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + YAML_TEMPLATE.replace("\n", "\r\n").encode())
    assert resource_lines(str(path))["OrdersRole"] == 8


@pytest.mark.parametrize(
    ("name", "template", "logical_id", "location", "needle"),
    [
        ("t.json", JSON_TEMPLATE, "OrdersFn", "Properties/Environment/Variables", '          "Var'),
        ("t.json", JSON_TEMPLATE, "OrdersFn", "Properties/Role", '        "Role"'),
        ("t.json", JSON_TEMPLATE, "OrdersFn", "Properties/Missing", '      "Properties"'),
        (
            "t.json",
            JSON_TEMPLATE,
            "OrdersRole",
            "Properties/AssumeRolePolicyDocument/Statement/0",
            '          "Statement"',
        ),
        ("t.json", JSON_TEMPLATE, "OrdersFn", "", '    "OrdersFn"'),
        ("t.yaml", YAML_TEMPLATE, "OrdersFn", "Properties/Environment/Variables", "        Var"),
        ("t.yaml", YAML_TEMPLATE, "OrdersFn", "Properties/Code/ZipFile", "        ZipFile"),
        (
            "t.yaml",
            YAML_TEMPLATE,
            "OrdersRole",
            "Properties/AssumeRolePolicyDocument/Statement/0",
            "        Statement",
        ),
        ("t.yaml", YAML_TEMPLATE, "OrdersQueue", "Properties", "  'OrdersQueue'"),
    ],
)
def test_property_line_is_the_deepest_key_found(
    tmp_path, name, template, logical_id, location, needle
):
    path = write(tmp_path, name, template)
    start = resource_lines(path)[logical_id]
    assert property_line(path, logical_id, location) == line_of(path, needle, start)


def test_unknown_resources_have_no_line(tmp_path):
    path = write(tmp_path, "t.json", JSON_TEMPLATE)
    assert resource_line(path, "OrdersFnRole") is None  # not SAM: no guess from the prefix
    assert property_line(path, "Nope", "Properties") is None


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"Resources": {"A": {"Type": "AWS::SQS::Queue"}}}),  # minified
        '{\n"Resources": {\n"A": {}\n}\n}\n',  # not indented
        "Resources: {A: {Type: 'AWS::SQS::Queue'}}\n",  # flow style
        "Resources:\n  A:\n    Type: X\nResources:\n  B:\n    Type: X\n",  # twice
        '{\n  "Resources": {\n    "A": {\n      "Type": "X"\n    },\n',  # cut short
        '{\n  "Resources": {\n    "A": 1\n  }\n}\n',  # not an object
        "Resources:\n  - A\n",
        "",
        "\x00\x01 not a template",
    ],
)
def test_layouts_not_followed_give_no_lines(tmp_path, text):
    assert resource_lines(write(tmp_path, "t.template", text)) == {}


def test_files_that_cannot_be_read_give_no_lines(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes(b"Resources:\n  A\xe9:\n    Type: X\n")
    assert resource_lines(str(tmp_path / "latin1.yaml")) == {}
    assert resource_lines(str(tmp_path / "missing.json")) == {}
    assert resource_lines(str(tmp_path)) == {}  # a directory
    assert resource_lines("bad\0path") == {}
    assert resource_lines("\udcff.json") == {}
    assert property_line(str(tmp_path / "missing.json"), "A", "Properties") is None


def test_too_large_a_file_gives_no_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(lines, "MAX_TEMPLATE_BYTES", 10)
    lines._scan.cache_clear()
    assert resource_lines(write(tmp_path, "t.yaml", YAML_TEMPLATE)) == {}


def test_cached_per_path_and_modification(tmp_path):
    path = write(tmp_path, "t.yaml", YAML_TEMPLATE)
    first = resource_lines(path)
    assert resource_lines(path) is first
    grown = YAML_TEMPLATE.replace("Resources:\n", "Resources:\n  Topic:\n    Type: X\n")
    Path(path).write_text(grown, encoding="utf-8")
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert resource_lines(path)["OrdersRole"] == first["OrdersRole"] + 2
    assert resource_lines(path)["Topic"] == line_of(path, "  Topic:")


def test_the_mapping_is_read_only(tmp_path):
    found = resource_lines(write(tmp_path, "t.yaml", YAML_TEMPLATE))
    with pytest.raises(TypeError):
        found["OrdersRole"] = 1  # type: ignore[index]


def test_a_cdk_synthesized_template(tmp_path):
    def build(app: cdk.App) -> None:
        stack = cdk.Stack(app, "Lines", env=ENV)
        for name in ("Orders", "Reports"):
            fn = function(stack, name, environment={"TABLE": name})
            fn.add_function_url(auth_type=cdk.aws_lambda.FunctionUrlAuthType.AWS_IAM)

    synth(build, tmp_path)
    path = str(tmp_path / "Lines.template.json")
    found = resource_lines(path)
    resources = load_template(Path(path))["Resources"]
    assert set(found) == set(resources) and len(found) >= 6
    text = Path(path).read_text(encoding="utf-8").split("\n")
    for logical_id, line in found.items():
        assert text[line - 1] == f'  "{logical_id}": {{'
    fn_id = next(k for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function")
    variables = property_line(path, fn_id, "Properties/Environment/Variables")
    assert variables is not None and text[variables - 1].strip() == '"Variables": {'


SAM_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      CodeUri: s3://bucket/orders.zip
      FunctionUrlConfig:
        AuthType: NONE
  OrdersApi:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      CodeUri: s3://bucket/api.zip
"""


def test_sam_generated_resources_point_at_their_source(tmp_path):
    path = write(tmp_path, "sam.yaml", SAM_TEMPLATE)
    expanded = load_template(Path(path))["Resources"]
    assert {"OrdersRole", "OrdersUrl", "OrdersApiRole"} <= set(expanded)
    assert dict(resource_lines(path)) == {"Orders": 4, "OrdersApi": 12}
    assert resource_line(path, "Orders") == 4
    assert resource_line(path, "OrdersRole") == 4
    assert resource_line(path, "OrdersUrl") == 4
    assert resource_line(path, "OrdersApiRole") == 12  # the longest source id it starts with
    assert resource_line(path, "ServerlessRestApi") is None
    assert property_line(path, "OrdersRole", "Properties/Policies") == 4
    assert property_line(path, "Orders", "Properties/Runtime") == 7
