"""Follow mode's state: what was written, what was seen, feed states, in one SQLite file."""
import pytest
from newsbeam.pipelines.follow.state import FollowState, StateError, read_feed_states
from newsbeam.transforms.feeds.identity import DUPLICATE, NEW, REVISED
from newsbeam.transforms.feeds.poll import FeedPollState

T0 = 1_800_000_000.0


def test_state_classifies_new_revised_and_duplicate(tmp_path):
    state = FollowState(str(tmp_path / "s.sqlite"))
    items = [{"id": "a", "fingerprint": "1"}, {"id": "b", "fingerprint": "1"}]
    assert [s.kind for s in state.classify(items)] == [NEW, NEW]
    state.commit(batch_id="x", items=[{**i, "revision": 1} for i in items], seen_ids=[],
                 feeds={}, body_hashes={}, now=T0)
    again = state.classify([{"id": "a", "fingerprint": "1"}, {"id": "b", "fingerprint": "2"}])
    assert [(s.kind, s.revision) for s in again] == [(DUPLICATE, 1), (REVISED, 2)]
    assert state.is_committed("x")


def test_state_repeats_within_one_batch_count_once(tmp_path):
    state = FollowState(str(tmp_path / "s.sqlite"))
    kinds = [s.kind for s in state.classify([{"id": "a", "fingerprint": "1"}] * 2)]
    assert kinds == [NEW, DUPLICATE]


def test_state_expires_items_not_seen_within_the_ttl(tmp_path):
    state = FollowState(str(tmp_path / "s.sqlite"))
    state.commit(batch_id=None, items=[{"id": "old", "fingerprint": "1", "revision": 1},
                                       {"id": "kept", "fingerprint": "1", "revision": 1}],
                 seen_ids=[], feeds={}, body_hashes={}, now=T0)
    state.commit(batch_id=None, items=[], seen_ids=["kept"], feeds={}, body_hashes={},
                 now=T0 + 10 * 86400)
    assert state.expire(14 * 86400, now=T0 + 15 * 86400) == 1
    assert [s.kind for s in state.classify([{"id": "old", "fingerprint": "1"}])] == [NEW]
    assert [s.kind for s in state.classify([{"id": "kept", "fingerprint": "1"}])] == [DUPLICATE]


def test_feed_state_round_trips(tmp_path):
    state = FollowState(str(tmp_path / "s.sqlite"))
    polled = FeedPollState(feed="f", etag='"x"', next_due=T0 + 60)
    state.commit(batch_id=None, items=[], seen_ids=[], feeds={"f": polled}, body_hashes={"f": "h"})
    assert state.feed_states(["f", "g"]) == {"f": polled, "g": FeedPollState(feed="g")}


def test_feed_states_are_read_while_a_follower_holds_the_state_and_it_goes_on(tmp_path):
    path = str(tmp_path / "s.sqlite")
    state = FollowState(path)
    failing = FeedPollState(feed="b", failures=2, last_error="b: timed out", next_due=T0 + 240)
    state.commit(batch_id=None, items=[], seen_ids=[], feeds={"b": failing,
                 "a": FeedPollState(feed="a")}, body_hashes={})
    assert read_feed_states(path) == [FeedPollState(feed="a"), failing]
    state.commit(batch_id="next", items=[], seen_ids=[], feeds={"b": FeedPollState(feed="b")},
                 body_hashes={})
    assert read_feed_states(path)[1] == FeedPollState(feed="b")


def test_no_state_file_reads_as_none_and_none_is_made(tmp_path):
    assert read_feed_states(str(tmp_path / "s.sqlite")) is None
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_state_file_is_a_state_error(tmp_path):
    (tmp_path / "s.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(StateError, match="cannot be read"):
        read_feed_states(str(tmp_path / "s.sqlite"))


# --- cycles -----------------------------------------------------------------------------------
