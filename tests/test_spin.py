"""The kernel threads' bounded busy wait (``tensorgrad.kernels.spin``)."""

import threading
import time

import numpy as np

from tensorgrad.kernels.spin import wait_for_change


def test_without_a_change_it_gives_up_after_its_cycles():
    counter = np.zeros(1, np.int64)
    wait_for_change(counter, 0, 10)  # compiled
    start = time.perf_counter()
    assert not wait_for_change(counter, 0, 2_000_000)
    assert time.perf_counter() - start < 1.0  # ~1 ms at any clock rate of the last decades
    assert not wait_for_change(counter, 0, 0)


def test_it_sees_another_thread_change_the_counter_and_bumps_first():
    counter, bumped = np.zeros(1, np.int64), np.zeros(1, np.int64)
    assert wait_for_change(np.full(1, 3, np.int64), 2, 1_000)  # already changed
    seen_bump = []

    def writer():
        while bumped[0] == 0:  # set by the waiting thread before it spins
            time.sleep(1e-4)
        seen_bump.append(int(bumped[0]))
        counter[0] = 7

    thread = threading.Thread(target=writer)
    thread.start()
    assert wait_for_change(counter, 0, 50_000_000_000, bumped)
    thread.join()
    assert seen_bump == [1] and counter[0] == 7
