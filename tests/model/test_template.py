"""Template files: JSON, YAML with short-form tags (loaded safely), and clear errors."""

import pytest

from guardrails.errors import InputError
from guardrails.model import load

YAML = """
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Stage: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: 2012-10-17
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "def handler(e, c): return 1"}
      Environment:
        Variables:
          STAGE: !Ref Stage
          URL: !Sub "https://${AWS::Region}.example.com/${Stage}"
          LIST: !Join [",", [!Select [0, [a, b]], c]]
"""


def test_yaml_short_form_tags(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(YAML)
    stack = load(path).stacks[0]
    fn = stack.resources["Fn"]
    env = fn.properties["Environment"]["Variables"]
    assert env["LIST"] == "a,c"
    assert str(env["STAGE"]) == "${Stage}"
    assert str(env["URL"]) == "https://${AWS::Region}.example.com/${Stage}"
    assert fn.properties["Role"].resource == "Role"
    # the YAML date-looking version stays a string, as CloudFormation reads it
    doc = stack.resources["Role"].properties["AssumeRolePolicyDocument"]
    assert doc["Version"] == "2012-10-17"


def test_yaml_python_tags_are_not_executed(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("Resources: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(InputError):
        load(path)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad.json", '{"Resources": ', "bad.json:1:15: malformed JSON"),
        ("bad.yaml", "Resources:\n  Fn: [\n", "bad.yaml:3:1: malformed YAML"),
        ("list.yaml", "- a\n- b\n", "not a CloudFormation template"),
        ("notype.json", '{"Resources": {"Fn": {"Properties": {}}}}', "Resources/Fn has no 'Type'"),
    ],
)
def test_malformed_templates_give_one_line_errors(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load(path)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_missing_path(tmp_path):
    with pytest.raises(InputError, match="no such file or directory"):
        load(tmp_path / "nope")


def test_directory_without_manifest(tmp_path):
    with pytest.raises(InputError, match=r"manifest\.json"):
        load(tmp_path)
