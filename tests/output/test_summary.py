"""The run summary is written last and claims only what is in place; the marker beside it says
every file of the run is."""
import os

from newsbeam.transforms.output import summary
from newsbeam.transforms.output.files import Commit
from newsbeam.transforms.output.summary import RunTally, finish_summary, read_json


def tally_of(records: int) -> dict:
    tally = RunTally()
    for n in range(records):
        tally.add_record({"language": "en", "topic": {"label": "other"}, "entities": []})
    return tally.summary()


def test_a_complete_run_gets_its_summary_and_then_the_marker(tmp_path):
    path = tmp_path / "_runs" / "r1" / "summary.json"
    summary = finish_summary(tally_of(10), 4, str(path), Commit(files=2), Commit(files=1))
    assert summary["complete"] and summary["records_written"] == 10
    assert read_json(str(path)) == summary
    assert os.path.exists(tmp_path / "_runs" / "r1" / "_SUCCESS")


def test_a_run_with_files_out_of_place_claims_only_what_a_reader_sees(tmp_path):
    path = tmp_path / "summary.json"
    items = Commit(files=1, failures=["a.avro: Not a directory"], records_lost=2,
                   orphans=["a.avro"])
    summary = finish_summary(tally_of(10), 4, str(path), items, Commit())
    assert not summary["complete"]
    assert (summary["records_written"], summary["records_not_committed"]) == (8, 2)
    assert summary["files_left_behind"] == ["a.avro"]
    assert not os.path.exists(tmp_path / "_SUCCESS")


def mention(text, canonical, kind="LOCATION"):
    return {"text": text, "canonical": canonical, "type": kind}


def record(language, *entities):
    return {"language": language, "topic": {"label": "other"}, "entities": list(entities)}


def test_top_entities_merge_every_form_of_one_canonical_name_across_languages():
    tally = RunTally()
    tally.add_record(record("ar", mention("روسيا", "Russia"), mention("موسكو", "Moscow")))
    tally.add_record(record("en", mention("Russia", "Russia"), mention("RUSSIA", "Russia")))
    other = RunTally()
    other.add_record(record("fr", mention("Russie", "Russia", "ORGANIZATION")))
    [russia, moscow] = (tally + other).summary()["top_entities"]
    assert (russia["canonical"], russia["count"], russia["type"]) == ("Russia", 4, "LOCATION")
    assert russia["forms"] == {"ar": ["روسيا"], "en": ["Russia", "RUSSIA"], "fr": ["Russie"]}
    assert (moscow["canonical"], moscow["count"]) == ("Moscow", 1)


def test_dates_are_not_among_the_top_entities():
    tally = RunTally()
    tally.add_record(record("en", mention("Tuesday", "2024-06-04", "DATE")))
    assert tally.summary()["top_entities"] == []


def test_a_tally_saved_as_json_and_read_back_sums_up_the_same():
    import json

    tally = RunTally()
    tally.add_record(record("ar", mention("روسيا", "Russia"), mention("موسكو", "Moscow")))
    tally.add_record(record("en", mention("Russia", "Russia")))
    tally.add_dead_letter({"stage": "read", "error": "f: gone", "feed_url": "f"})
    tally.add_parsing_counts({"bytes_replaced": 2})
    again = RunTally.from_dict(json.loads(json.dumps(tally.as_dict(), ensure_ascii=False)))
    assert again.summary() == tally.summary()
    more = RunTally()
    more.add_record(record("fr", mention("Russie", "Russia")))
    assert (again + more).summary() == (tally + more).summary()


def test_a_tally_saved_with_its_mentions_per_name_reads_back_the_same():
    tally = RunTally()
    tally.add_record(record("en", mention("Russia", "Russia"), mention("Baku", "Baku")))
    older = {**tally.as_dict(), "entities": {"Russia": 1, "Baku": 1, "Moscow": 3}}
    assert RunTally.from_dict(older).summary() == tally.summary()


def test_past_the_cap_the_names_kept_do_not_depend_on_the_order_of_the_records(monkeypatch):
    monkeypatch.setattr(summary, "_ENTITY_TALLY_CAP", 2)
    records = [record("en", mention(name, name)) for name in ("Baku", "Yerevan", "Minsk")]
    kept = []
    for ordered in (records, records[::-1]):
        tally = RunTally()
        for one in ordered:
            tally.add_record(one)
        kept.append(sorted(tally.entity_types))
    assert kept == [["Baku", "Minsk"], ["Baku", "Minsk"]]


def test_follow_mode_sums_its_batches_up_by_the_hour_each_batch_once(tmp_path):
    from newsbeam.transforms.output.summary import (add_to_follow_summary,
                                                    close_follow_summaries)
    from newsbeam.transforms.output.summary import tally_of as batch_tally

    output = str(tmp_path)
    one = batch_tally([record("en", mention("Russia", "Russia"))] * 2, [])
    two = batch_tally([record("ar", mention("روسيا", "Russia"))], [])
    add_to_follow_summary(output, "20270115T0805Z-aaaaaa", one, 3)
    add_to_follow_summary(output, "20270115T0859Z-bbbbbb", two, 3)
    summary = add_to_follow_summary(output, "20270115T0859Z-bbbbbb", two, 3)  # replayed
    assert (summary["batches"], summary["records_written"], summary["feeds"]) == (2, 3, 3)
    assert summary["top_entities"][0]["forms"] == {"ar": ["روسيا"], "en": ["Russia"]}
    add_to_follow_summary(output, "20270115T0900Z-cccccc", one, 3)
    assert sorted(os.listdir(tmp_path / "_runs")) == ["follow-20270115T08",
                                                      "follow-20270115T09"]
    assert read_json(str(tmp_path / "_runs" / "follow-20270115T08" / "summary.json")) == summary
    # 09:30: the 08 hour is over, the 09 hour is not
    half_past_nine = 1_800_000_000 - 1_800_000_000 % 86_400 + 9.5 * 3600  # 2027-01-15 UTC
    closed = close_follow_summaries(output, half_past_nine)
    assert [os.path.basename(folder) for folder in closed] == ["follow-20270115T08"]
    assert os.path.exists(tmp_path / "_runs" / "follow-20270115T08" / "_SUCCESS")
    assert not os.path.exists(tmp_path / "_runs" / "follow-20270115T09" / "_SUCCESS")
    assert close_follow_summaries(output, half_past_nine) == []


def test_title_and_body_mentions_both_count():
    tally = RunTally()
    baku = {"type": "LOCATION", "canonical": "Baku", "text": "Baku"}
    tally.add_record({"language": "en", "topic": {"label": "other"},
                      "entities": [dict(baku, field="title"), dict(baku, field="body")]})
    [top] = tally.summary()["top_entities"]
    assert (top["canonical"], top["count"]) == ("Baku", 2)
