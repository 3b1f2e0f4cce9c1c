"""Feed documents for tests."""


def rss(*items):
    entries = "".join(f"<item><guid>{guid}</guid><title>{title}</title>"
                      f"<description>{text}</description>"
                      "<pubDate>Mon, 06 Sep 2021 16:45:00 +0000</pubDate></item>"
                      for guid, title, text in items)
    return f"<rss version='2.0'><channel><title>t</title>{entries}</channel></rss>".encode()


def rss_links(*items):
    """An RSS document of (guid, title, link, text) items."""
    body = "".join(f"<item><title>{title}</title><guid>{guid}</guid><link>{link}</link>"
                   f"<description>{text}</description></item>"
                   for guid, title, link, text in items)
    return f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode()
