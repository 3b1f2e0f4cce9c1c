"""Full article pages: the main text and metadata of a news article's web page."""
