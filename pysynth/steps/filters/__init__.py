"""Built-in filters steps."""
