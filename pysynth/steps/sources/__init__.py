"""Built-in sources steps."""
