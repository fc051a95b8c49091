"""Built-in transform steps."""
