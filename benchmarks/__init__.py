"""Benchmarks: a generator of realistic CDK apps (``apps``) and the runner (``run``)."""
