"""No user enumeration: signing in as an unknown user answers like a wrong password, and takes as long.

The timing is compared statistically, not against a wall-clock threshold: requests for a known user with a
wrong password and for an unknown user are sent in pairs, each pair in random order, so a change of load
hits both alike; the median of the pairs' time ratios, with a bootstrap confidence interval, must lie
inside an equivalence band (an equivalence test: it shows the times are close, not merely that a
difference went unnoticed). The same measurement of a login that skips the dummy Argon2 verify must fall
outside the band, which proves the test can fail.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

import pytest

import app.auth as auth_views
from app.auth import service
from tests.app.conftest import check_error

WRONG = "not the password"
PAIRS = 200
RESAMPLES = 2000
CONFIDENCE = 0.99
# Within a third either way: an unknown user that skips the hash answers in ~0.15-0.25 of the time here.
BAND = (0.75, 1.33)


@pytest.fixture
def app_config(app_config):
    # Real Argon2 at a small but measurable cost (a few ms per verify), and no throttle in the way.
    return {**app_config, "PASSWORD_HASH_MEMORY_COST": 4096, "RATELIMIT_ENABLED": False}


def _login(client, username: str) -> float:
    started = time.perf_counter()
    response = client.post("/api/auth/login", json={"username": username, "password": WRONG})
    elapsed = time.perf_counter() - started
    assert response.status_code == 401, response.get_json()
    return elapsed


def _pair_ratios(client, rng: random.Random) -> list[float]:
    """PAIRS ratios: an unknown user's login time over a known user's wrong-password time, sent together."""
    for _ in range(5):  # warm up: the dummy hash is made on first use, caches and pools fill
        _login(client, "alice")
        _login(client, "nobody")
    ratios = []
    for _ in range(PAIRS):
        order = ["alice", "nobody"]
        rng.shuffle(order)
        timings = {username: _login(client, username) for username in order}
        ratios.append(timings["nobody"] / timings["alice"])
    return ratios


def median_interval(values: list[float], rng: random.Random) -> tuple[float, float, float]:
    """The median of `values` and its bootstrap percentile interval at CONFIDENCE."""
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(RESAMPLES))
    tail = (1 - CONFIDENCE) / 2
    return statistics.median(values), medians[int(tail * RESAMPLES)], medians[int((1 - tail) * RESAMPLES) - 1]


def _without_dummy_verify(original: Callable) -> Callable:
    """The classic leak: return early for an unknown user, before any hash is verified."""

    def authenticate(session, username, password):
        if service.find_user(session, username) is None:
            return None
        return original(session, username, password)

    return authenticate


def test_unknown_user_and_wrong_password_get_the_same_answer(client, auth):
    auth.register("alice")
    wrong = client.post("/api/auth/login", json={"username": "alice", "password": WRONG})
    unknown = client.post("/api/auth/login", json={"username": "nobody", "password": WRONG})
    assert check_error(wrong, 401) == check_error(unknown, 401)
    assert wrong.headers["WWW-Authenticate"] == unknown.headers["WWW-Authenticate"]


@pytest.mark.slow
def test_unknown_user_costs_the_same_as_a_wrong_password_and_the_test_can_tell(client, auth, monkeypatch):
    auth.register("alice")
    rng = random.Random(20261203)

    ratio, low, high = median_interval(_pair_ratios(client, rng), rng)
    assert BAND[0] <= low and high <= BAND[1], (
        f"an unknown user's login takes {ratio:.2f}x a wrong password's "
        f"({CONFIDENCE:.0%} interval {low:.2f}-{high:.2f}, band {BAND}): its timing tells who has an account"
    )

    # Self-check: the same measurement catches a login that skips the dummy verify.
    monkeypatch.setattr(
        auth_views, "authenticate_password", _without_dummy_verify(service.authenticate_password)
    )
    leak, leak_low, leak_high = median_interval(_pair_ratios(client, rng), rng)
    assert leak_high < BAND[0], (
        f"skipping the dummy verify should make unknown users clearly faster, but the ratio is {leak:.2f} "
        f"({leak_low:.2f}-{leak_high:.2f}): the measurement is too noisy to prove anything"
    )
