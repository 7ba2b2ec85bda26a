"""Intrinsic evaluation: values when the template fixes them, explicit tokens otherwise."""

from guardrails.model.intrinsics import Evaluator
from guardrails.model.values import Text, Token, is_literal, referenced_resources, render

RESOURCES = {"Fn": {"Type": "AWS::Lambda::Function"}, "Table": {"Type": "AWS::DynamoDB::Table"}}


def ev(**kwargs):
    base = {"resources": RESOURCES, "parameters": {"Stage": {"Type": "String"}}}
    base.update(kwargs)
    return Evaluator(**base)


def test_ref_kinds():
    e = ev()
    assert e.evaluate({"Ref": "Fn"}) == Token("ref", "Fn")
    assert e.evaluate({"Ref": "Stage"}) == Token("param", "Stage")
    assert e.evaluate({"Ref": "AWS::AccountId"}) == Token("pseudo", "AWS::AccountId")
    assert e.evaluate({"Ref": "Missing"}).kind == "unknown"


def test_pseudo_parameters_known_from_the_stack_environment():
    e = ev(account="123456789012", region="cn-north-1", stack_name="S")
    assert e.evaluate({"Ref": "AWS::AccountId"}) == "123456789012"
    assert e.evaluate({"Ref": "AWS::Partition"}) == "aws-cn"
    assert e.evaluate({"Ref": "AWS::StackName"}) == "S"


def test_get_att_both_forms():
    e = ev()
    assert e.evaluate({"Fn::GetAtt": ["Fn", "Arn"]}) == Token("getatt", "Fn", "Arn")
    assert e.evaluate({"Fn::GetAtt": "Table.StreamArn"}) == Token("getatt", "Table", "StreamArn")


def test_join_of_literals_is_a_string_and_with_tokens_a_text():
    e = ev()
    assert e.evaluate({"Fn::Join": ["-", ["a", "b", 3]]}) == "a-b-3"
    value = e.evaluate(
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/Admin"]]}
    )
    assert isinstance(value, Text)
    assert render(value) == "arn:${AWS::Partition}:iam::aws:policy/Admin"
    assert value.literals == ("arn:", ":iam::aws:policy/Admin")


def test_sub_with_variables_attributes_and_escapes():
    e = ev(region="eu-west-1")
    value = e.evaluate({"Fn::Sub": "${Fn.Arn}/${AWS::Region}/${!Literal}"})
    assert isinstance(value, Text)
    assert value.parts[0] == Token("getatt", "Fn", "Arn")
    assert render(value) == "${Fn.Arn}/eu-west-1/${Literal}"
    assert e.evaluate({"Fn::Sub": ["x-${Name}", {"Name": "y"}]}) == "x-y"
    assert referenced_resources(e.evaluate({"Fn::Sub": "${Table}"})) == {"Table"}


def test_select_split_find_in_map():
    e = ev(mappings={"M": {"eu": {"Size": 5}}})
    assert e.evaluate({"Fn::Select": [1, ["a", "b"]]}) == "b"
    assert e.evaluate({"Fn::Select": [0, {"Fn::Split": [",", "x,y"]}]}) == "x"
    assert e.evaluate({"Fn::FindInMap": ["M", "eu", "Size"]}) == 5
    assert e.evaluate({"Fn::Select": [0, {"Fn::GetAZs": ""}]}).kind == "unknown"
    assert e.evaluate({"Fn::FindInMap": ["M", {"Ref": "Stage"}, "Size"]}).kind == "unknown"


def test_if_decided_by_literal_conditions_and_unknown_otherwise():
    e = ev(
        conditions={
            "Yes": {"Fn::Equals": ["a", "a"]},
            "No": {"Fn::Not": [{"Condition": "Yes"}]},
            "Param": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        }
    )
    assert e.evaluate({"Fn::If": ["Yes", 1, 2]}) == 1
    assert e.evaluate({"Fn::If": ["No", 1, 2]}) == 2
    assert e.evaluate({"Fn::If": ["Param", 1, 2]}).kind == "unknown"


def test_no_value_is_removed_from_dicts_and_lists():
    e = ev(conditions={"Yes": True})
    node = {"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Fn::If": ["Yes", {"Ref": "AWS::NoValue"}, 2]}]}
    assert e.evaluate(node) == {"B": [1]}


def test_import_value_and_unknown_functions_are_tokens():
    e = ev()
    assert e.evaluate({"Fn::ImportValue": "shared-vpc"}) == Token("import", "shared-vpc")
    assert not is_literal(e.evaluate({"X": {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}}))
