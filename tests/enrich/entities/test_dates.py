"""dates.py: where dates are, and their ISO 8601 values (one behaviour a test)."""
import datetime as dt

import pytest
from newsbeam.transforms.enrich.entities.dates import date_value, find_dates

# Tuesday 19 September 2023, 10:00 UTC.
PUBLISHED = int(dt.datetime(2023, 9, 19, 10, tzinfo=dt.timezone.utc).timestamp() * 1000)


@pytest.mark.parametrize("text, language, iso", [
    ("9 نوفمبر 2020", "ar", "2020-11-09"),
    ("24 شباط/ فبراير 2022", "ar", "2022-02-24"),
    ("9 تشرين الثاني/نوفمبر 2020", "ar", "2020-11-09"),
    ("14 جانفي 2011", "ar", "2011-01-14"),
    ("١٥ مارس ٢٠٢٣", "ar", "2023-03-15"),
    ("12 March 2024", "en", "2024-03-12"),
    ("November 9, 2020", "en", "2020-11-09"),
    ("Tuesday, November 9, 2021", "en", "2021-11-09"),
    ("5 mars 2020", "fr", "2020-03-05"),
    ("1er mai 2021", "fr", "2021-05-01"),
    ("2024-03-12", "en", "2024-03-12"),
    ("29 / 12 / 2011", "ar", "2011-12-29"),
])
def test_absolute_dates_get_their_day(text, language, iso):
    assert date_value(text, language) == iso


@pytest.mark.parametrize("text, language, iso", [
    ("نوفمبر 2020", "ar", "2020-11"),
    ("كانون الثاني 2021", "ar", "2021-01"),
    ("March 2024", "en", "2024-03"),
    ("عام 2020", "ar", "2020"),
])
def test_partial_dates_get_a_month_or_a_year(text, language, iso):
    assert date_value(text, language) == iso


def test_us_english_numeric_dates_put_the_month_first():
    assert date_value("12/03/2024", "en") == "2024-12-03"


def test_numeric_dates_elsewhere_put_the_day_first():
    assert date_value("12/03/2024", "fr") == "2024-03-12"


def test_an_impossible_date_has_no_value():
    assert date_value("31 February 2024", "en") is None


@pytest.mark.parametrize("text, language, iso", [
    ("اليوم الثلاثاء", "ar", "2023-09-19"),
    ("أمس", "ar", "2023-09-18"),
    ("أول أمس", "ar", "2023-09-17"),
    ("yesterday", "en", "2023-09-18"),
    ("tomorrow", "en", "2023-09-20"),
    ("hier", "fr", "2023-09-18"),
    ("aujourd'hui", "fr", "2023-09-19"),
])
def test_relative_days_count_from_publication(text, language, iso):
    assert date_value(text, language, PUBLISHED) == iso


def test_a_bare_weekday_is_the_latest_one_up_to_publication():
    assert date_value("Friday", "en", PUBLISHED) == "2023-09-15"


def test_next_weekday_is_after_publication():
    assert date_value("next Friday", "en", PUBLISHED) == "2023-09-22"


def test_last_weekday_is_strictly_before_publication():
    assert date_value("mardi dernier", "fr", PUBLISHED) == "2023-09-12"


def test_last_year_is_the_year_before_publication():
    assert date_value("العام الماضي", "ar", PUBLISHED) == "2022"
    assert date_value("l'an dernier", "fr", PUBLISHED) == "2022"


def test_a_day_and_month_take_the_year_nearest_publication():
    assert date_value("15 September", "en", PUBLISHED) == "2023-09-15"


def test_relative_dates_without_publication_have_no_value():
    assert date_value("yesterday", "en") is None


def test_a_period_without_a_calendar_value_has_none():
    assert date_value("القرن العشرين", "ar", PUBLISHED) is None


def spans(text, language):
    return [text[start:end] for start, end in find_dates(text, language)]


def test_english_patterns_find_dates_and_relative_days():
    assert spans("Signed on November 9, 2020, and yesterday in 2019.", "en") == [
        "November 9, 2020", "yesterday", "2019"]


def test_a_bare_may_is_not_a_date():
    assert spans("Ministers may meet.", "en") == []


def test_french_patterns_find_dates():
    assert spans("Le 5 mars 2020, hier, l'an dernier", "fr") == ["5 mars 2020", "hier",
                                                                   "l'an dernier"]
