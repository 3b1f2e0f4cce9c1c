"""newsbeam's steps as plain Python, by stage: feeds -> enrich -> stories -> output; `beam`
wraps them as Beam transforms and is the only package here that imports apache_beam."""
