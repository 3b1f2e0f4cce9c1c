"""Sample feeds shipped with newsbeam: what `newsbeam run` reads when no --feeds is given."""
