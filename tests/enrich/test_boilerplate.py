"""Markup and boilerplate: one behaviour a test, the seed article as the golden case."""

import pytest
from newsbeam.transforms.enrich.boilerplate import (
    Block,
    clean_item,
    html_to_text,
    strip_boilerplate,
    to_blocks,
)

from tests.support.paths import SEED

SEED_PARAGRAPHS = [p for p in SEED.split("\n\n") if p.strip()]
SEED_ARTICLE = SEED_PARAGRAPHS[:SEED_PARAGRAPHS.index("المصدر: البوابة نيوز")]


def seed_as_html():
    parts = []
    for paragraph in SEED_PARAGRAPHS:
        if paragraph.startswith("كلمات دلالية"):
            parts.append('<p>كلمات دلالية: <a href="/t/1">دميتري بيسكوف</a> '
                         '<a href="/t/2">الكرملين</a> <a href="/t/3">روسيا</a></p>')
        elif paragraph.startswith("مقالات مشابهة"):
            lines = [line.strip(" •") for line in paragraph.splitlines()]
            parts.append(f"<h3>{lines[0]}</h3><ul>"
                         + "".join(f"<li><a href='#'>{line}</a></li>" for line in lines[1:] if line)
                         + "</ul>")
        else:
            parts.append(f"<p>{paragraph}</p>")
    return "".join(parts)


def body_and_meta(content):
    return strip_boilerplate(to_blocks(content))


# --- markup -----------------------------------------------------------------------------------

def test_html_paragraphs_become_lines():
    assert html_to_text("<p>One <b>bold</b> line.</p><p>Two</p>") == "One bold line.\nTwo"


def test_br_splits_lines_and_entities_decode():
    assert html_to_text("a&amp;b<br/>c&nbsp;d") == "a&b\nc d"


def test_script_and_style_content_is_dropped():
    assert html_to_text("<p>x<script>var a=1;</script></p><style>p{}</style><p>y</p>") == "x\ny"


def test_plain_text_keeps_one_paragraph_a_line():
    assert html_to_text("First.\n\n  Second   line.\n") == "First.\nSecond line."


def test_image_between_words_keeps_them_apart():
    assert html_to_text("word<img src='x.png'>next") == "word next"


def test_table_cells_are_kept_apart():
    assert html_to_text("<table><tr><td>1</td><td>Kyle Busch</td><td>5040</td></tr></table>") \
        == "1 Kyle Busch 5040"


def test_soft_hyphens_are_dropped():
    assert html_to_text("<p>Lauf&shy;zei&shy;ten</p>") == "Laufzeiten"


def test_blocks_inside_aside_are_marked():
    blocks = to_blocks("<p>Text.</p><aside><p>Tags: <a href='1'>x</a></p></aside><p>More.</p>")
    assert [(b.text, b.aside) for b in blocks] == [("Text.", False), ("Tags: x", True),
                                                     ("More.", False)]


def test_links_of_a_block_are_collected():
    [block] = to_blocks('<p>Tags: <a href="1">Red Sea</a>, <a href="2">Yemen</a></p>')
    assert block.links == ["Red Sea", "Yemen"]


# --- the seed article -------------------------------------------------------------------------

def test_seed_plain_text_body_is_the_seven_article_paragraphs():
    body, _ = body_and_meta(SEED)
    assert body.split("\n") == SEED_ARTICLE
    assert len(SEED_ARTICLE) == 7


def test_seed_html_body_is_the_seven_article_paragraphs():
    body, _ = body_and_meta(seed_as_html())
    assert body.split("\n") == SEED_ARTICLE


def test_seed_body_has_nothing_of_the_trailer():
    body, _ = body_and_meta(SEED)
    for words in ("المصدر", "ترامب", "بيراميدز", "طلائع الجيش", "مقالات مشابهة", "غيتيسبيرغ"):
        assert words not in body


def test_seed_source_credit():
    assert body_and_meta(SEED)[1].source_credit == "البوابة نيوز"


def test_seed_keywords_from_links_keep_phrases():
    assert body_and_meta(seed_as_html())[1].keywords == ["دميتري بيسكوف", "الكرملين", "روسيا"]


def test_seed_keywords_from_plain_text_keep_every_word():
    assert body_and_meta(SEED)[1].keywords == ["دميتري", "بيسكوف", "الكرملين", "روسيا"]


def test_seed_related_headlines_from_read_also_and_similar_list():
    related = body_and_meta(SEED)[1].related
    assert related[0] == "ترامب يكشف عدد قتلى الجيش الأوكراني منذ بدء الحرب مع روسيا"
    assert "يورتشيتش يعلن قائمة بيراميدز لمواجهة طلائع الجيش بالدوري" in related
    assert "«الكرملين»: لن نفرط في أراض قرر مواطنوها الانضمام إلى روسيا" in related
    assert len(related) == len(set(related)) == 10


def test_seed_read_also_article_text_is_counted_not_kept():
    _, meta = body_and_meta(SEED)
    trailer = sum(len(p.strip()) for p in SEED_PARAGRAPHS[7:])
    assert meta.removed_chars >= trailer * 0.9
    assert not any("أوكرانيا فقدت 700 ألف جندي" in r for r in meta.related)


# --- other boilerplate ------------------------------------------------------------------------

def test_english_source_and_tags():
    body, meta = body_and_meta("Talks resumed in Geneva.\nSource: Reuters\nTags: Geneva; talks")
    assert body == "Talks resumed in Geneva."
    assert meta.source_credit == "Reuters"
    assert meta.keywords == ["Geneva", "talks"]


def test_a_source_line_above_the_article_is_metadata_not_the_end():
    body, meta = body_and_meta("المصدر: رويترز\nقالت الحكومة اليوم إن المحادثات ستستأنف.")
    assert body == "قالت الحكومة اليوم إن المحادثات ستستأنف."
    assert meta.source_credit == "رويترز"


def test_a_sentence_starting_like_a_marker_is_article_text():
    text = "Sources said the minister would resign before the vote on Friday, citing health reasons."
    body, meta = body_and_meta("First paragraph.\n" + text)
    assert body.endswith(text)
    assert meta.source_credit is None


def test_inline_read_also_early_in_the_article_is_cut_and_reading_goes_on():
    content = ("<p>الفقرة الأولى من الخبر.</p><p>اقرأ أيضا: عنوان خبر آخر</p>"
               "<p>الفقرة الثانية من الخبر وهي أطول من غيرها بكثير لتكون في النصف الأول.</p>"
               "<p>الفقرة الثالثة والأخيرة من الخبر وفيها تفاصيل إضافية كثيرة.</p>")
    body, meta = body_and_meta(content)
    assert body.split("\n") == ["الفقرة الأولى من الخبر.",
                                "الفقرة الثانية من الخبر وهي أطول من غيرها بكثير لتكون في النصف الأول.",
                                "الفقرة الثالثة والأخيرة من الخبر وفيها تفاصيل إضافية كثيرة."]
    assert meta.related == ["عنوان خبر آخر"]


def test_inline_read_also_late_in_the_article_is_cut_and_reading_goes_on():
    content = ("<p>The first paragraph of the story, long enough to weigh something here.</p>"
               "<p>The second paragraph of the story, just as long as the first one was.</p>"
               "<p>Read more: Another story about something else</p><p>The last paragraph.</p>")
    body, meta = body_and_meta(content)
    assert body.split("\n")[-1] == "The last paragraph."
    assert meta.related == ["Another story about something else"]


def test_a_read_also_heading_element_ends_the_body_even_early():
    second = "<p>" + "نص الخبر الثاني الطويل في صندوق اقرأ أيضا. " * 10 + "</p>"
    body, meta = body_and_meta("<p>الفقرة الوحيدة من الخبر.</p><h3>اقرأ أيضا</h3>"
                               "<h4>عنوان الخبر الثاني</h4>" + second * 3)
    assert body == "الفقرة الوحيدة من الخبر."
    assert meta.related == ["عنوان الخبر الثاني"]


def test_a_related_heading_without_its_list_is_cut_alone():
    body, meta = body_and_meta("<p>First paragraph.</p><h3>Most read</h3>"
                               "<p>The story goes on after the box, in a full sentence.</p>")
    assert body == "First paragraph.\nThe story goes on after the box, in a full sentence."


def test_read_also_markers_in_other_languages():
    body, meta = body_and_meta("<p>Erster Absatz.</p><p>Lesen Sie auch: Ein anderer Artikel</p>")
    assert (body, meta.related) == ("Erster Absatz.", ["Ein anderer Artikel"])


def test_aside_text_is_never_body_and_not_counted_as_removed():
    body, meta = body_and_meta("<p>The story.</p><aside><p>A pull quote from it.</p></aside>")
    assert (body, meta.removed_chars) == ("The story.", 0)


def test_a_related_box_in_an_aside_does_not_end_the_article():
    body, meta = body_and_meta("<p>First part.</p><aside><h4>Related articles</h4><ul>"
                               "<li><a href='1'>Another headline</a></li></ul></aside>"
                               "<p>Second part.</p>")
    assert body == "First part.\nSecond part."
    assert meta.related == ["Another headline"]


def test_the_articles_own_source_comes_before_an_asides():
    body, meta = body_and_meta("<aside><p>Source: Reuters</p></aside><p>Text.</p>"
                               "<p>Source: AP</p>")
    assert (body, meta.source_credit) == ("Text.", "AP")


def test_a_related_articles_heading_is_a_list_not_a_read_also_teaser():
    body, meta = body_and_meta("<p>Text.</p><h3>Related articles</h3>"
                               "<ul><li>First headline</li><li>Second headline</li></ul>")
    assert (body, meta.related) == ("Text.", ["First headline", "Second headline"])


def test_share_and_follow_prompts_go_anywhere():
    body, meta = body_and_meta("تابعونا على فيسبوك\nThe news.\nFollow us on Twitter for more.")
    assert body == "The news."
    assert meta.removed_chars == len("تابعونا على فيسبوك") + len("Follow us on Twitter for more.")


def test_wordpress_appeared_first_line_is_removed():
    body, _ = body_and_meta("<p>Text.</p><p>The post Big story appeared first on Example.</p>")
    assert body == "Text."


def test_wordpress_appeared_first_at_the_end_of_a_paragraph_is_removed():
    body, meta = body_and_meta("<p>Choose a model. The post Build a Guitar appeared first on WIRED.</p>")
    assert body == "Choose a model."
    assert meta.removed_chars == len(" The post Build a Guitar appeared first on WIRED.")


def test_hamza_and_tanwin_variants_of_read_also_are_markers():
    for marker in ("إقرأ أيضاً:", "اقرأ أيضا", "اقرا ايضا:"):
        _, meta = body_and_meta(f"نص الخبر الطويل هنا.\n{marker}\nعنوان آخر")
        assert meta.related == ["عنوان آخر"], marker


def test_blocks_api_accepts_prepared_blocks():
    body, meta = strip_boilerplate([Block("Body."), Block("Source: AP", ["AP"])])
    assert (body, meta.source_credit) == ("Body.", "AP")


# --- records and the transform ----------------------------------------------------------------

def test_clean_item_replaces_content_with_body_and_metadata():
    record = clean_item({"title": "A &amp; B", "content": "<p>Text.</p><p>Source: AFP</p>"})
    assert "content" not in record
    assert record["title"] == "A & B"
    assert record["body"] == "Text."
    assert record["boilerplate"]["source_credit"] == "AFP"


def test_title_only_item_gets_title_as_body():
    record = clean_item({"title": "Only a title", "content": "<img src='pixel.gif'/>"})
    assert record["body"] == "Only a title"
    assert record["content_source"] == "title"


def test_content_that_is_not_text_raises_for_the_stage_list_to_dead_letter():
    with pytest.raises(TypeError):
        clean_item({"feed_url": "f", "title": "t", "content": 42})


# --- datelines and wire credits: metadata, never body ----------------------------------------

from newsbeam.transforms.enrich.boilerplate import split_dateline  # noqa: E402
from newsbeam.transforms.enrich.entities import add_entities  # noqa: E402


def dateline_of(text):
    dateline, rest = split_dateline(text)
    return (dateline.place, dateline.agency, dateline.date, rest) if dateline else None


def test_a_mehr_news_dateline_gives_place_date_and_agency():
    assert dateline_of("TEHRAN, Aug. 11 (MNA) – Iran's foreign minister said talks would go on.") \
        == ("TEHRAN", "MNA", "Aug. 11", "Iran's foreign minister said talks would go on.")


def test_a_reuters_dateline_gives_place_and_agency():
    assert dateline_of("LONDON (Reuters) - Britain's economy grew faster than expected.")[:2] \
        == ("LONDON", "Reuters")


def test_an_agency_credit_alone_opens_the_body():
    assert dateline_of("(AFP) — The French president arrived in Dakar on Monday.") == (
        None, "AFP", None, "The French president arrived in Dakar on Monday.")


def test_a_place_in_capitals_and_a_dash_is_a_dateline():
    assert dateline_of("WASHINGTON — President Biden signed the bill on Friday.")[:2] == (
        "WASHINGTON", None)


def test_a_us_dateline_keeps_its_state_abbreviation():
    assert dateline_of("ORLANDO, Fla. (AP) — A gunman opened fire at a nightclub.")[:2] == (
        "ORLANDO, Fla.", "AP")


def test_a_mena_credit_after_an_arabic_place_is_a_dateline():
    assert dateline_of("القاهرة - (أ ش أ) - أعلنت وزارة الصحة المصرية اليوم عن حملة جديدة.") \
        == ("القاهرة", "أ ش أ", None, "أعلنت وزارة الصحة المصرية اليوم عن حملة جديدة.")


def test_a_wam_credit_in_brackets_is_a_dateline():
    assert dateline_of("أبوظبي (وام) - أكد سمو الشيخ أهمية التعاون.")[:2] == ("أبوظبي", "وام")


def test_an_spa_credit_alone_opens_the_body():
    assert dateline_of("(واس) - وصل إلى الرياض اليوم وفد رسمي.")[:2] == (None, "واس")


def test_a_paper_in_guillemets_is_credited_as_the_agency():
    assert dateline_of("بيروت - «الحياة» - قال رئيس الحكومة إن الاتفاق قريب.")[:2] == (
        "بيروت", "الحياة")


def test_an_arabic_dateline_between_slashes_keeps_its_date():
    assert dateline_of("أبوظبي في 11 أغسطس / وام / استقبل سمو الشيخ وفدا رسميا.")[:3] == (
        "أبوظبي", "وام", "11 أغسطس")


def test_a_sentence_opening_with_an_acronym_is_no_dateline():
    assert dateline_of("WHO said on Monday that cases rose in three regions.") is None


def test_a_kicker_in_capitals_is_no_place():
    assert dateline_of("BREAKING — Markets fell sharply in early trading on Monday.") is None


def test_two_capitals_before_a_dash_are_no_place():
    assert dateline_of("US - China talks resumed in Geneva on Monday.") is None


def test_a_party_in_brackets_after_a_name_is_no_agency():
    assert dateline_of("Ted Cruz (R-Texas) — said on Sunday he would run again.") is None


def test_an_arabic_place_and_dash_without_an_agency_stay_text():
    assert dateline_of("غزة - قال مسؤولون في القطاع إن القصف استمر.") is None


def test_a_credit_inside_the_body_stays_where_it_is():
    record = clean_item({"title": "Talks", "content": "<p>Officials met.</p><p>(AFP) — More "
                                                      "talks are planned next week.</p>"})
    assert record["boilerplate"]["dateline"] is None
    assert "(AFP)" in record["body"]


def test_the_dateline_leaves_the_body_and_becomes_metadata():
    record = clean_item({"title": "Iran talks", "content": "<p>TEHRAN, Aug. 11 (MNA) – Iran's "
                                                           "foreign minister met his Omani "
                                                           "counterpart.</p>"})
    assert record["body"] == "Iran's foreign minister met his Omani counterpart."
    assert record["boilerplate"]["dateline"] == {"text": "TEHRAN, Aug. 11 (MNA) –",
                                                 "place": "TEHRAN", "agency": "MNA",
                                                 "date": "Aug. 11"}


def test_the_dateline_counts_as_removed_text():
    record = clean_item({"title": "", "content": "LONDON (Reuters) - Shares rose on Monday."})
    assert record["boilerplate"]["removed_chars"] == len("LONDON (Reuters) - ")


def test_no_body_entity_comes_from_a_dateline():
    record = clean_item({"title": "Talks go on", "content": "TEHRAN, Aug. 11 (MNA) – The "
                                                            "minister met Omani officials."})
    found = add_entities(dict(record, language="en"))["entities"]
    assert not [e for e in found if e["text"] in ("TEHRAN", "MNA")]


def test_no_arabic_body_entity_comes_from_a_dateline():
    record = clean_item({"title": "", "content": "القاهرة - (أ ش أ) - أعلنت وزارة الصحة "
                                                 "المصرية عن حملة جديدة."})
    found = add_entities(dict(record, language="ar"))["entities"]
    assert not [e for e in found if "القاهرة" in e["text"] or "أ ش أ" in e["text"]]


# --- the site's own name at the end of a title ---------------------------------------------------

from newsbeam.transforms.enrich.boilerplate import split_title_credit  # noqa: E402


def test_the_sites_name_after_a_dash_leaves_the_title():
    assert split_title_credit("5 great VR games you've never heard of - CNET",
                              "http://www.cnet.com/news/5-great-vr-games/") == (
        "5 great VR games you've never heard of", "CNET")


def test_a_site_name_of_several_words_matches_its_host():
    assert split_title_credit("Floods in Kerala | The Guardian",
                              "https://www.theguardian.com/world/x")[1] == "The Guardian"


def test_a_byline_after_a_bar_stays_in_the_title():
    title = "State of Origin: NSW look for a spark | Nick Tedeschi"
    assert split_title_credit(title, "https://www.theguardian.com/sport/x") == (title, None)


def test_a_section_name_that_is_not_the_host_stays():
    title = "The 2017 Acura NSX drives like a dream - Roadshow"
    assert split_title_credit(title, "http://www.cnet.com/roadshow/x") == (title, None)


def test_two_names_either_side_of_a_dash_stay():
    assert split_title_credit("Obama - Trump", "https://www.vox.com/x") == ("Obama - Trump", None)


def test_the_title_credit_becomes_the_source_credit():
    record = clean_item({"title": "New phones announced - CNET", "content": "<p>Text.</p>",
                         "link": "http://www.cnet.com/news/x"})
    assert (record["title"], record["boilerplate"]["source_credit"]) == (
        "New phones announced", "CNET")
