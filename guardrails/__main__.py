"""``python -m guardrails``: the same command as the ``guardrails`` console script."""

import sys

from guardrails.cli import main

sys.exit(main())
