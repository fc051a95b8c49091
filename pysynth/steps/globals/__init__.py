"""Built-in globals steps."""
