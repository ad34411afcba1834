"""Word lists and dictionaries of the checks (serious errors, typos, sensitive words, reply rules)."""
