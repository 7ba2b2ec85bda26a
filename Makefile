# Two commands for a newcomer: `make synth` and `make test`.
VENV    := .venv
PY      := $(VENV)/bin/python
# .venv/bin first on PATH so jsii starts the venv's Node.js 24, not the system Node.
RUN     := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" CDK_VALIDATION=false CDK_OUTDIR=cdk.out
STAMP   := $(VENV)/.installed

.PHONY: synth synth-enforce test lint docs bench bench-smoke clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

## Synthesize the demo app (audit mode) and print the guardrail report.
synth: $(STAMP)
	rm -rf cdk.out
	$(RUN) $(PY) app.py
	$(RUN) $(VENV)/bin/guardrails scan cdk.out --fail-on none

## Synthesize in enforce mode: fails on the legacy stack's findings.
synth-enforce: $(STAMP)
	rm -rf cdk.out
	$(RUN) CDK_CONTEXT_JSON='{"lambda-guardrails:mode": "enforce"}' $(PY) app.py

## Run the whole test suite.
test: $(STAMP)
	$(RUN) $(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check guardrails stacks tests app.py benchmarks
	$(VENV)/bin/ruff format --check guardrails stacks tests app.py benchmarks
	$(VENV)/bin/mypy

clean:
	rm -rf cdk.out .pytest_cache

## Regenerate docs/rules.md from the rules' metadata.
docs: $(STAMP)
	$(VENV)/bin/guardrails rules --format markdown > docs/rules.md

## Every benchmark, medians and targets (engine vs. json.loads, synth overheads vs. cdk-nag,
## hardening vs. hand-written L1, CLI vs. checkov, peak RSS): writes docs/benchmarks.md and the
## README's Performance paragraph. About 10 minutes; installs checkov into benchmarks/.venv-checkov.
bench: $(STAMP)
	$(RUN) $(PY) -m benchmarks.run

## The reduced benchmark run CI makes (small apps, 1 run, no checkov; under a minute, writes nothing).
bench-smoke: $(STAMP)
	$(RUN) $(PY) -m benchmarks.run --smoke
