"""Files: reading documents safely, checking them against their JSON Schemas, turning them
into objects with the one converter, and writing them back. Heavy libraries (PyYAML,
cattrs, the schema checkers) are imported when a file is first read or written."""
