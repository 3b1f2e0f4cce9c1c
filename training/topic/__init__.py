"""Training and evaluation of the topic model."""
