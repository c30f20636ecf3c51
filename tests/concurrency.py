"""Writers in real concurrent transactions (PostgreSQL): each thread its own connection."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

from django.db import close_old_connections, connection


def run_writers(step: Callable[[random.Random], bool], *, writers: int = 4, steps: int = 100) -> int:
    """Run `steps` calls of `step(rng)` in each of `writers` threads, each with its own seeded
    random and its own database connection; returns how many steps did something (step returned
    True). Any error (a deadlock among them) fails the caller's test with its message."""
    failures: list[str] = []
    done = [0]
    lock = threading.Lock()

    def run(seed: int) -> None:
        rng = random.Random(seed)
        close_old_connections()
        try:
            for _ in range(steps):
                if step(rng):
                    with lock:
                        done[0] += 1
        except Exception as error:  # noqa: BLE001 — a deadlock or any other error fails the test
            failures.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(seed,)) for seed in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    return done[0]
