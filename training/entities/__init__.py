"""Training of the entity taggers and the canonical-name table, and entity evaluation."""
