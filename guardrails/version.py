"""The package version, reported by the CLI, the CDK plugin and every report."""

__version__ = "1.0.0"
