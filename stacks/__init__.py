"""Demo stacks: a compliant orders service and a legacy stack with the usual missteps."""
