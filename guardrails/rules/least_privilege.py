"""Rules: least_privilege."""
