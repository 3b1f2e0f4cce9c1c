"""The expiry guard: a keyed state is forgotten only once the wall clock has passed its timer."""
from apache_beam.utils.timestamp import Timestamp

from newsbeam.transforms.beam.expiry import ExpiryGuard, fired_early
from newsbeam.transforms.beam.revisions import _NumberRevisionsFn


class State:
    def __init__(self, value):
        self.value = value

    def clear(self):
        self.value = None


def test_a_timer_due_after_now_fired_early():
    assert fired_early(Timestamp(1_000), now=999.0)
    assert not fired_early(Timestamp(1_000), now=1_000.0)


def test_a_timer_due_in_the_past_may_forget():
    assert ExpiryGuard("items").may_forget(Timestamp(100))  # a test stream's second 100


def test_an_item_id_is_kept_when_its_timer_fires_weeks_early():
    fn, last = _NumberRevisionsFn(ttl_seconds=14 * 86400), State(("fingerprint", 1))
    fn.forget(due=Timestamp.now() + 14 * 86400, last=last)
    assert last.value == ("fingerprint", 1)
    fn.forget(due=Timestamp(100), last=last)
    assert last.value is None
