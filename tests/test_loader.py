"""Loading: what a load does to the process around it."""

from __future__ import annotations

import gc

import pytest

import segrules
from segrules import loader
from segrules.errors import SegrulesError


def test_loading_pauses_the_garbage_collector_and_restores_it(monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    states: list[bool] = []
    real = loader.parse_all
    monkeypatch.setattr(loader, "parse_all", lambda sources, **options: (
        states.append(gc.isenabled()) or real(sources, **options)))
    segrules.loads("segment a { include everyone }")
    assert states == [False] and gc.isenabled()
    with pytest.raises(SegrulesError):
        segrules.loads("segment a { include where x => 1 }")
    assert states == [False, False] and gc.isenabled()
    gc.disable()
    try:
        segrules.loads("segment a { include everyone }")
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()
