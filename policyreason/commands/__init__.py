"""CLI verbs, one module each, discovered by `policyreason.cli`."""
