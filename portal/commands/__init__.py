"""`flask` commands, on top of the domain."""
