import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

from tests.conftest import ENV, synth
from guardrails.model import functions


def test_synth(tmp_path):
    def build(app):
        s = cdk.Stack(app, "S", env=ENV)
        lambda_.Function(s, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="i.h", code=lambda_.Code.from_inline("x=1"))
    a = synth(build, tmp_path)
    assert [f.logical_id for f in functions(a)]
