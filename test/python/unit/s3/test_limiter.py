"""The uploader's concurrency control (pure logic, no server)."""

import threading

from django_s3_static.s3.limiter import ConcurrencyLimiter


def test_throttling_halves_the_limit_and_successes_win_it_back():
    limiter = ConcurrencyLimiter(32)
    limiter.on_throttle()
    limiter.on_throttle()
    assert (limiter.limit, limiter.lowest, limiter.throttled) == (8, 8, 2)
    for _ in range(8):
        limiter.on_success()
    assert limiter.limit == 9  # additive increase: one more after a full window of successes
    for _ in range(10_000):
        limiter.on_success()
    assert limiter.limit == 32  # and never above the maximum
    assert limiter.lowest == 8


def test_limit_never_drops_below_one():
    limiter = ConcurrencyLimiter(4)
    for _ in range(10):
        limiter.on_throttle()
    assert limiter.limit == 1


def test_acquire_blocks_at_the_limit_until_a_release():
    limiter = ConcurrencyLimiter(2)
    limiter.on_throttle()  # limit 1
    limiter.acquire()
    entered = threading.Event()

    def second():
        with limiter:
            entered.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not entered.wait(0.2)  # the second PUT waits while one is in flight
    limiter.release()
    assert entered.wait(5)
    thread.join()
