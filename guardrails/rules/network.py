"""Rules: network."""
