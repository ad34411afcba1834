"""Word lists and the one Aho-Corasick engine that finds them: serious errors, typos, sensitive words."""
