"""Measuring whether a native call lets other Python threads run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def share_of_free_rate(call: Callable[[], object]) -> float:
    """How fast a spinning Python thread counts during `call`, as a share of its rate before.
    Near 0 if `call` holds the GIL (the spinner waits the whole time); well above if released."""
    counter = [0]
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            counter[0] += 1

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        time.sleep(0.05)
        start_count, start = counter[0], time.perf_counter()
        time.sleep(0.2)
        free_rate = (counter[0] - start_count) / (time.perf_counter() - start)
        start_count, start = counter[0], time.perf_counter()
        call()
        rate = (counter[0] - start_count) / (time.perf_counter() - start)
    finally:
        stop.set()
        thread.join()
    return rate / free_rate
