"""An unknown email costs the login what a known one costs, and no process pays for it at start."""

import contextlib
import statistics
import subprocess
import sys
import time

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from portal.accounts import models


def test_the_stored_dummy_hash_has_the_hasher_s_own_parameters():
    assert not models._hasher.check_needs_rehash(models.DUMMY_HASH)
    assert models._dummy_hash() == models.DUMMY_HASH


def _median_seconds(check, runs=5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        check()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_the_check_for_an_unknown_email_costs_what_a_real_check_costs():
    real_hash = models._hasher.hash("a real password")

    def real_check():
        with contextlib.suppress(VerificationError):
            models._hasher.verify(real_hash, "a wrong password")

    models.dummy_password_check()  # first use included in neither
    dummy, real = _median_seconds(models.dummy_password_check), _median_seconds(real_check)
    assert 0.5 < dummy / real < 2, (dummy, real)


def test_a_hasher_with_other_parameters_gets_a_dummy_hash_of_its_own(monkeypatch):
    monkeypatch.setattr(
        models, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    models._dummy_hash.cache_clear()
    try:
        made = models._dummy_hash()
        assert made != models.DUMMY_HASH and "m=8,t=1,p=1" in made
    finally:
        models._dummy_hash.cache_clear()


def test_importing_the_accounts_hashes_nothing():
    code = (
        "import argon2\n"
        "calls = []\n"
        "original = argon2.PasswordHasher.hash\n"
        "def counted(self, *args, **kwargs):\n"
        "    calls.append(1)\n"
        "    return original(self, *args, **kwargs)\n"
        "argon2.PasswordHasher.hash = counted\n"
        "import portal.accounts.models\n"
        "print(len(calls))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "0"
