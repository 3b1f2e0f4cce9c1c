"""Stories across feeds: the keys two copies of one article share (keys) and the one rule that
joins a record to a story (assign)."""
