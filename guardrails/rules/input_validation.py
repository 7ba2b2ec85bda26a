"""Rules: input_validation."""
