"""newsbeam.transforms.enrich.language: ISO 639-1 detection and the DetectLanguage stage."""
import pytest
from newsbeam.transforms.enrich.language import add_language, detect_language


def test_arabic():
    assert detect_language("أعلن المتحدث باسم الرئاسة الروسية أن روسيا ترى فرصة للتسوية") == "ar"


def test_english():
    assert detect_language("The government announced new measures to support the economy.") == "en"


def test_german():
    assert detect_language("Die Bundesregierung hat am Mittwoch neue Maßnahmen beschlossen.") == "de"


def test_portuguese():
    assert detect_language("O governo anunciou novas medidas para a economia nesta quarta-feira.") == "pt"


def test_persian_is_not_reported_as_arabic():
    assert detect_language("این یک متن فارسی است که برای آزمایش نوشته شده است") == "fa"


def test_short_english_title():
    assert detect_language("Senate passes budget bill") == "en"


def test_empty_is_undetermined():
    assert detect_language("") == "und"


def test_short_junk_is_undetermined():
    assert detect_language("ok 123 !!") == "und"
    assert detect_language("asdf qwer") == "und"


def test_title_only_record_with_none_body():
    record = {"title": "Die Bundesregierung beschließt neue Maßnahmen für die Wirtschaft",
              "body": None}
    assert add_language(record)["language"] == "de"


def test_add_language_copies_the_record():
    record = {"title": "", "body": "The government announced new measures on Monday."}
    out = add_language(record)
    assert out["language"] == "en" and "language" not in record


def test_a_body_that_is_not_text_raises_for_the_stage_list_to_dead_letter():
    with pytest.raises(TypeError):
        add_language({"feed_url": "bad", "title": "Broken", "body": 42})
