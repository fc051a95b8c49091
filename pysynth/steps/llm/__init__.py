"""Built-in llm steps."""
