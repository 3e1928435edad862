"""Loading and checking: YAML files into the rule base model, validated, cached."""
