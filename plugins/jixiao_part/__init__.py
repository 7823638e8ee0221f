"""Built-in pack (work in progress)."""
