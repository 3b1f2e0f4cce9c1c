"""Build models/ordinary_words.tsv.gz: how common English and Arabic words are, and which are
nationality and faith words, for the entity step's check that a name looks like one
(transforms/enrich/entities/ordinary.py).

    python -m newsbeam.training.entities.ordinary_words [--out PATH]
    (newsbeam train entities runs it too)

Sources, read at training time only (the runtime reads the table):
- word frequencies: wordfreq 3.1.1 (Apache-2.0 code; its data from Wikipedia, subtitles,
  news, books, web text and more under CC BY-SA 4.0, see wordfreq's README): English words and
  Arabic words (normalised as enrich.arabic.normalise does) of Zipf frequency 3.5 or more;
- nationality words: arwikicats 0.2.3's nationalities table (MIT): English demonyms
  ("british", "iraqi") and their Arabic forms (بريطاني, البريطانية, بريطانيون ...), plus the
  faith and people words listed below.

Rows: language, word, Zipf frequency times ten (0 when under 3.5), 1 for a nationality or
faith word. Sorted, gzip without a timestamp: a rerun with the same package versions writes
the same bytes.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from newsbeam.transforms.enrich.entities.ordinary import TABLE_PATH, table_key

MIN_ZIPF = 3.5
ARWIKICATS_NATIONALITIES = ("arwikicats", "0.2.3",
                            "ArWikiCats/jsons/nationalities/nationalities_data.json")
_ARABIC_FORMS = ("male", "males", "female", "females", "the_male", "the_female")
# Faiths and peoples that news names as groups, not as organisations or places.
FAITH_AND_PEOPLE_WORDS = {
    "en": """muslim muslims christian christians jewish jew jews catholic catholics protestant
        protestants evangelical evangelicals orthodox sunni sunnis shia shias shiite shiites
        druze alawite alawites yazidi yazidis copt copts coptic hindu hindus sikh sikhs buddhist
        buddhists arab arabs kurd kurds kurdish tuareg bedouin""".split(),
    "ar": """مسلم مسلمة مسلمون مسلمين المسلم المسلمة المسلمون المسلمين مسيحي مسيحية مسيحيون
        مسيحيين المسيحي المسيحية المسيحيون المسيحيين يهودي يهودية يهود اليهودي اليهودية اليهود
        سني سنية السني السنية السنة شيعي شيعية شيعة الشيعي الشيعية الشيعة درزي دروز الدرزي الدروز
        علوي علويون العلوي العلويون العلويين قبطي أقباط القبطي الأقباط إيزيدي الإيزيدي
        الإيزيديون الإيزيديين كردي أكراد الكردي الأكراد عربي عرب العربي العرب الطوارق
        البدو""".split(),
}


def rows() -> list[tuple[str, str, str, str]]:
    import wordfreq

    from newsbeam.training.entities.arabic import _package_data

    zipf: dict[tuple[str, str], int] = {}
    for language in ("en", "ar"):
        for word in wordfreq.get_frequency_dict(language):
            value = wordfreq.zipf_frequency(word, language)
            if value < MIN_ZIPF:
                continue
            key = (language, table_key(word, language))
            zipf[key] = max(zipf.get(key, 0), round(value * 10))
    nationality: set[tuple[str, str]] = set()
    table = json.loads(_package_data(*ARWIKICATS_NATIONALITIES).read_text(encoding="utf-8"))
    for english, forms in table.items():
        if english.isalpha():
            demonym = table_key(english, "en")
            nationality.add(("en", demonym))
            nationality.add(("en", demonym + "s"))  # "Iraqis", "Americans"
        for name in _ARABIC_FORMS:
            form = forms.get(name) or ""
            if form and " " not in form:
                nationality.add(("ar", table_key(form, "ar")))
    for language, words in FAITH_AND_PEOPLE_WORDS.items():
        nationality.update((language, table_key(word, language)) for word in words)
    keys = sorted(set(zipf) | nationality)
    return [(language, word, str(zipf.get((language, word), 0)),
             "1" if (language, word) in nationality else "0")
            for language, word in keys if word and "\t" not in word and " " not in word]


def main(argv=None) -> int:
    from importlib.metadata import version

    from newsbeam.training.entities.model_files import write_table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=TABLE_PATH)
    args = parser.parse_args(argv)
    table = rows()
    write_table(args.out, [(f"# wordfreq {version('wordfreq')}, arwikicats 0.2.3",)] + table)
    print(f"ordinary words: {sum(1 for r in table if r[0] == 'en')} English, "
          f"{sum(1 for r in table if r[0] == 'ar')} Arabic, "
          f"{sum(1 for r in table if r[3] == '1')} nationality and faith words; "
          f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
