"""The status snapshot: built once from the read model, then rendered to each format."""
