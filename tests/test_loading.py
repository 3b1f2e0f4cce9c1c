"""loaded_once: a heavy thing built on first use, once, whatever the threads do."""
import threading
import time

from newsbeam.transforms.loading import loaded_once


def test_it_builds_on_the_first_call_only():
    calls = []

    @loaded_once
    def table():
        calls.append(1)
        return {"built": len(calls)}

    assert not table.is_loaded()
    assert table() is table() and calls == [1]
    assert table.is_loaded()


def test_threads_that_ask_first_together_share_one_build():
    calls = []

    @loaded_once
    def slow():
        calls.append(1)
        time.sleep(0.05)
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(slow())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1] and len({id(result) for result in results}) == 1
