"""Article pages for tests: a web page holding one article, as a news site serves it."""

HTML = {"Content-Type": "text/html; charset=utf-8"}

ARTICLE = ("<p>The council approved the new budget on Tuesday after a long debate about "
           "schools, roads and the harbour, which had divided the members for weeks.</p>"
           "<p>The mayor said the vote showed the city could still agree on what matters, "
           "and promised that work on the harbour would begin in the spring.</p>")


def page_html(body: str = ARTICLE, head: str = "", title: str = "Budget") -> bytes:
    """A page with `body` (HTML) as its article, site navigation and a footer around it."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="canonical" href="https://news.example/budget">{head}</head>'
            '<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>'
            f"<article><h1>{title}</h1>{body}</article>"
            "<footer>© News Example</footer></body></html>").encode()


def article(sentence: str, times: int = 4) -> str:
    """An article's HTML: `sentence` said `times` over, one paragraph each."""
    return "".join(f"<p>{sentence} ({n + 1})</p>" for n in range(times))
