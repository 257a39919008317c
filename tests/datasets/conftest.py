"""Fixtures: small simulated 2b subjects written in the real file formats."""

from __future__ import annotations

import socket

import pytest

from eegxai.datasets.simulate import simulate_subject


@pytest.fixture(scope="session")
def sim2b():
    """Subject 1, 2b layout, 8 trials per class in each of the 5 sessions."""
    return simulate_subject(1, n_trials_per_class=8, seed=7, blink_rate=0.2)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
