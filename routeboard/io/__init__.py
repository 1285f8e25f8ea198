"""Reading files people hand us: decoding and size limits (``text``), CSV / JSONL / JSON / YAML with their
guards (``records``, ``yaml_doc``), and the suite and result formats built on them. Every problem is located
by file, line and field in one ``routeboard.errors.Problems`` collector."""
