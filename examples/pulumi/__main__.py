"""The Pulumi demo: a compliant orders service and a legacy one, the twins of the CDK demo.

pulumi preview --policy-pack ../../policypacks/lambda-guardrails
"""

import legacy
import orders

orders.build()
legacy.build()
