"""The process-wide fetch gate: bounded slots per host and in total, released on every
path, also when the gate is resized while fetches are in flight."""

from __future__ import annotations

import threading

import pytest

from obcore.errors import ResolutionError
from verify.fetch import FetchGate


def test_a_host_uses_at_most_its_slots_and_other_hosts_go_on() -> None:
    gate = FetchGate(total=4, per_host=1, wait=0.05)
    with gate.slot("slow.example", deadline=5):
        with pytest.raises(ResolutionError) as refused, gate.slot("slow.example", deadline=5):
            pass
        assert refused.value.code == "fetch_timeout"
        with gate.slot("other.example", deadline=5):
            pass


def test_slots_are_released_when_the_fetch_fails() -> None:
    gate = FetchGate(total=1, per_host=1, wait=0.05)
    with pytest.raises(RuntimeError), gate.slot("a.example", deadline=5):
        raise RuntimeError("the fetch failed")
    with gate.slot("a.example", deadline=5):
        pass


def test_a_fetch_in_flight_survives_a_resize_and_frees_nothing_twice() -> None:
    gate = FetchGate(total=2, per_host=2, wait=0.05)
    inside = threading.Event()
    resized = threading.Event()
    errors: list[BaseException] = []

    def fetch() -> None:
        try:
            with gate.slot("a.example", deadline=5):
                inside.set()
                resized.wait(5)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=fetch)
    worker.start()
    assert inside.wait(5)
    with gate._lock:  # what configure_gate does to the process-wide gate
        gate._slots = threading.BoundedSemaphore(1)
        gate._hosts = {}
    resized.set()
    worker.join(5)

    assert errors == []
    with gate.slot("a.example", deadline=5):  # the new gate's one slot is free
        pass
