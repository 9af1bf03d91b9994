#!/usr/bin/env python3
"""Record exact Tenacity 9.x wait sequences for retry numbers 1..=12.

Ground truth for retry-runtime's tenacity-compatible strategies. Each sequence is produced by
driving a REAL `tenacity.Retrying` loop (stop_after_attempt(13), a function that always
raises) whose `sleep=` callback records the seconds instead of sleeping; the wait strategy is
also called directly with a RetryCallState per attempt number to record the Python type it
returns (int or float) before Retrying turns it into a float.

    python tools/tenacity-sequences/record.py -o retry-runtime/tests/fixtures/tenacity_sequences.json

Randomness: `random.random` (the module function, used by wait_random) AND
`random._inst.random` (the hidden Random instance's method, which the REAL stdlib
`random.uniform(a, b)` calls as `a + (b - a) * self.random()`) are both replaced by a function
that returns the next value of the profile's list of U values (the last value repeats). So
`uniform(a, b) == a + (b - a) * U` exactly, computed by the stdlib itself.

Retry number n = the `attempt_number` that just failed (1-based); Tenacity computes the wait
for it before checking `stop`, so even the 13th (last) attempt draws a wait; only 1..12 are
slept and recorded.

Formulas (tenacity 9.2.1, tenacity/wait.py; MAX_WAIT = sys.maxsize / 2 = 4.611686018427388e18;
every time argument goes through `_utils.to_seconds` = float(x)):

  wait_fixed(w)                 -> w
  wait_random(min=0, max=1)     -> min + random.random() * (max - min)
  wait_incrementing(start=0, increment=100, max=MAX_WAIT)
                                -> max(0, min(start + increment * (n - 1), max))
  wait_exponential(multiplier=1, max=MAX_WAIT, exp_base=2, min=0):
        e = n - 1
        if multiplier > 0 and max > 0 and exp_base > 1 and isfinite(max)
           and e > log(max, exp_base) - log(multiplier, exp_base):   # overflow short-cut
            return max(max(0, min), max)
        try: r = multiplier * exp_base ** e   except OverflowError: return max
        return max(max(0, min), min(r, max))
     (so min is applied AFTER max: min > max gives min; multiplier > max gives max from n=1)
  wait_random_exponential(...same args...) -> random.uniform(min, wait_exponential(n))
        = min + (high - min) * U, with high already floored at max(0, min)
  wait_exponential_jitter(initial=1, max=MAX_WAIT, exp_base=2, jitter=1, min=0, multiplier=1):
        (`initial` is a deprecated alias of `multiplier`; giving both != 1 is a ValueError)
        j = random.uniform(0, jitter)            # drawn FIRST, every call
        try: r = multiplier * exp_base ** (n - 1) + j   except OverflowError: r = max
        return max(max(0, min), min(r, max))
  wait_combine(a, b) (a + b)    -> float(a(n) + b(n))
  wait_chain(s1, ..., sk)       -> s_min(max(n,1), k)(n)
"""
from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import random
import sys
import warnings

import tenacity
from tenacity import (
    Retrying,
    stop_after_attempt,
    wait_chain,
    wait_exponential,
    wait_exponential_jitter,
    wait_fixed,
    wait_incrementing,
    wait_random,
    wait_random_exponential,
)

RETRIES = 12

# U profiles: the value returned by the n-th draw (last value repeats).
PROFILES = {
    "u0": [0.0],
    "u0.25": [0.25],
    "u0.5": [0.5],
    "u0.999": [0.999],
    "u_max": [0.9999999999999999],  # largest double below 1
    "walk": [0.1, 0.9, 0.35, 0.6, 0.05, 0.75, 0.2, 0.95, 0.5, 0.3, 0.85, 0.15, 0.65],
}


class Draws:
    def __init__(self):
        self.values = [0.5]
        self.i = 0
        self.log = []

    def set(self, values):
        self.values = list(values)
        self.i = 0
        self.log = []

    def __call__(self):
        v = self.values[min(self.i, len(self.values) - 1)]
        self.i += 1
        self.log.append(v)
        return v


DRAWS = Draws()


def install_patches():
    random.random = DRAWS
    random._inst.random = DRAWS  # what the real random.uniform calls
    # sanity: the stdlib uniform now returns a + (b - a) * U
    DRAWS.set([0.25])
    assert random.uniform(2.0, 10.0) == 2.0 + (10.0 - 2.0) * 0.25
    DRAWS.set([0.5])


# (id, constructor text, factory, uses_random)
def strategies():
    S = []

    def add(sid, text, factory, uses_random):
        S.append((sid, text, factory, uses_random))

    # asked for
    add("exp_m1_min3_max60", "wait_exponential(multiplier=1, min=3, max=60)",
        lambda: wait_exponential(multiplier=1, min=3, max=60), False)
    add("exp_m1_min0_max60_base3", "wait_exponential(multiplier=1, min=0, max=60, exp_base=3)",
        lambda: wait_exponential(multiplier=1, min=0, max=60, exp_base=3), False)
    add("randexp_m1_max60_min2", "wait_random_exponential(multiplier=1, max=60, min=2)",
        lambda: wait_random_exponential(multiplier=1, max=60, min=2), True)
    add("randexp_m1_max60_base3", "wait_random_exponential(multiplier=1, max=60, exp_base=3)",
        lambda: wait_random_exponential(multiplier=1, max=60, exp_base=3), True)
    add("expjit_i1_max60_base2_j1", "wait_exponential_jitter(initial=1, max=60, exp_base=2, jitter=1)",
        lambda: wait_exponential_jitter(initial=1, max=60, exp_base=2, jitter=1), True)
    add("expjit_i1_max60_base2_j1_min2",
        "wait_exponential_jitter(initial=1, max=60, exp_base=2, jitter=1, min=2)",
        lambda: wait_exponential_jitter(initial=1, max=60, exp_base=2, jitter=1, min=2), True)
    add("expjit_i1_max60_base3_j0", "wait_exponential_jitter(initial=1, max=60, exp_base=3, jitter=0)",
        lambda: wait_exponential_jitter(initial=1, max=60, exp_base=3, jitter=0), True)
    add("incr_s10_i-3_max100", "wait_incrementing(start=10, increment=-3, max=100)",
        lambda: wait_incrementing(start=10, increment=-3, max=100), False)
    add("exp_m100_max60", "wait_exponential(multiplier=100, max=60)",
        lambda: wait_exponential(multiplier=100, max=60), False)

    # other min / max / exp_base / multiplier combinations
    add("exp_default", "wait_exponential()", lambda: wait_exponential(), False)
    add("exp_m0.5_max8", "wait_exponential(multiplier=0.5, max=8)",
        lambda: wait_exponential(multiplier=0.5, max=8), False)
    add("exp_m1_min4_max10", "wait_exponential(multiplier=1, min=4, max=10)",
        lambda: wait_exponential(multiplier=1, min=4, max=10), False)
    add("exp_min_gt_max", "wait_exponential(multiplier=1, min=5, max=4)",
        lambda: wait_exponential(multiplier=1, min=5, max=4), False)
    add("exp_m2_base1.5_max30", "wait_exponential(multiplier=2, exp_base=1.5, max=30)",
        lambda: wait_exponential(multiplier=2, exp_base=1.5, max=30), False)
    add("exp_m3_base0.5", "wait_exponential(multiplier=3, exp_base=0.5)",
        lambda: wait_exponential(multiplier=3, exp_base=0.5), False)
    add("exp_m3_base0.5_min1", "wait_exponential(multiplier=3, exp_base=0.5, min=1)",
        lambda: wait_exponential(multiplier=3, exp_base=0.5, min=1), False)
    add("exp_base1_m2_max60", "wait_exponential(multiplier=2, exp_base=1, max=60)",
        lambda: wait_exponential(multiplier=2, exp_base=1, max=60), False)
    add("exp_m0_max60_min1", "wait_exponential(multiplier=0, max=60, min=1)",
        lambda: wait_exponential(multiplier=0, max=60, min=1), False)
    add("exp_m1_max_inf", "wait_exponential(multiplier=1, max=float('inf'))",
        lambda: wait_exponential(multiplier=1, max=float("inf")), False)
    add("exp_m0.1_base10_max1000", "wait_exponential(multiplier=0.1, exp_base=10, max=1000)",
        lambda: wait_exponential(multiplier=0.1, exp_base=10, max=1000), False)
    add("exp_m1_max60_min70", "wait_exponential(multiplier=1, max=60, min=70)",
        lambda: wait_exponential(multiplier=1, max=60, min=70), False)
    add("randexp_default", "wait_random_exponential()", lambda: wait_random_exponential(), True)
    add("randexp_m0.5_max8_min1", "wait_random_exponential(multiplier=0.5, max=8, min=1)",
        lambda: wait_random_exponential(multiplier=0.5, max=8, min=1), True)
    add("randexp_m1_max60_min2_base3", "wait_random_exponential(multiplier=1, max=60, min=2, exp_base=3)",
        lambda: wait_random_exponential(multiplier=1, max=60, min=2, exp_base=3), True)
    add("randexp_min_gt_max", "wait_random_exponential(multiplier=1, min=10, max=5)",
        lambda: wait_random_exponential(multiplier=1, min=10, max=5), True)
    add("randexp_m100_max60", "wait_random_exponential(multiplier=100, max=60)",
        lambda: wait_random_exponential(multiplier=100, max=60), True)
    add("expjit_default", "wait_exponential_jitter()", lambda: wait_exponential_jitter(), True)
    add("expjit_mult0.5_max10_j2_min1",
        "wait_exponential_jitter(multiplier=0.5, max=10, jitter=2, min=1)",
        lambda: wait_exponential_jitter(multiplier=0.5, max=10, jitter=2, min=1), True)
    add("expjit_initial3_max60 (deprecated alias)", "wait_exponential_jitter(initial=3, max=60)",
        lambda: wait_exponential_jitter(initial=3, max=60), True)
    add("expjit_i1_max60_base3_j5_min4",
        "wait_exponential_jitter(initial=1, max=60, exp_base=3, jitter=5, min=4)",
        lambda: wait_exponential_jitter(initial=1, max=60, exp_base=3, jitter=5, min=4), True)
    add("expjit_min_gt_max", "wait_exponential_jitter(max=5, min=10)",
        lambda: wait_exponential_jitter(max=5, min=10), True)
    add("incr_default", "wait_incrementing()", lambda: wait_incrementing(), False)
    add("incr_s1_i2_max10", "wait_incrementing(start=1, increment=2, max=10)",
        lambda: wait_incrementing(start=1, increment=2, max=10), False)
    add("incr_s0.5_i0.25", "wait_incrementing(start=0.5, increment=0.25)",
        lambda: wait_incrementing(start=0.5, increment=0.25), False)
    add("fixed_2", "wait_fixed(2)", lambda: wait_fixed(2), False)
    add("random_1_3", "wait_random(min=1, max=3)", lambda: wait_random(min=1, max=3), True)
    add("fixed3_plus_random0_2", "wait_fixed(3) + wait_random(0, 2)",
        lambda: wait_fixed(3) + wait_random(0, 2), True)
    add("chain_1x3_2x2_5", "wait_chain(wait_fixed(1), wait_fixed(1), wait_fixed(1), "
        "wait_fixed(2), wait_fixed(2), wait_fixed(5))",
        lambda: wait_chain(*[wait_fixed(1)] * 3, *[wait_fixed(2)] * 2, wait_fixed(5)), False)
    return S


class _Boom(Exception):
    pass


def run_loop(factory):
    slept = []
    r = Retrying(wait=factory(), stop=stop_after_attempt(RETRIES + 1), sleep=slept.append,
                 reraise=True)

    def fail():
        raise _Boom()

    try:
        r(fail)
    except _Boom:
        pass
    else:  # pragma: no cover
        raise AssertionError("loop did not fail")
    return slept


def direct_calls(factory):
    """Call the wait strategy directly for n = 1..12 (same draws) to see its Python type."""
    w = factory()
    out = []
    for n in range(1, RETRIES + 1):
        rs = tenacity.RetryCallState(retry_object=Retrying(), fn=None, args=(), kwargs={})
        rs.attempt_number = n
        v = w(rs)
        out.append((v, type(v).__name__))
    return out


def fnum(x):
    x = float(x)
    if x != x or x in (float("inf"), float("-inf")):
        return repr(x)
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--output")
    args = ap.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    install_patches()
    entries = []
    for sid, text, factory, uses_random in strategies():
        profiles = PROFILES if uses_random else {"none": [0.5]}
        seqs = {}
        for pname, values in profiles.items():
            DRAWS.set(values)
            slept = run_loop(factory)
            loop_draws = list(DRAWS.log)
            DRAWS.set(values)
            direct = direct_calls(factory)
            direct_draws = list(DRAWS.log)
            assert len(slept) == RETRIES, (sid, len(slept))
            assert [float(v) for v, _ in direct] == [float(s) for s in slept], (sid, pname)
            if not uses_random:
                assert not loop_draws, (sid, loop_draws)
            seqs[pname] = {
                "u_values": values if uses_random else [],
                # draws made by the loop: one per wait call, including the 13th (unslept) one
                "draws_in_loop": len(loop_draws),
                "u_used_per_retry": direct_draws if uses_random else [],
                "delays": [fnum(s) for s in slept],
                "python_types": [t for _, t in direct],
            }
        entries.append({
            "id": sid,
            "constructor": text,
            "uses_random": uses_random,
            "sequences": seqs,
        })
    doc = {
        "metadata": {
            "generator": "tools/tenacity-sequences/record.py",
            "python": sys.version.split()[0],
            "tenacity": md.version("tenacity"),
            "retries": RETRIES,
            "max_wait": fnum(tenacity._utils.MAX_WAIT),
            "random_patching": "random.random and random._inst.random both replaced by a "
                               "function returning the profile's next U (last one repeats); "
                               "random.uniform is the real stdlib one, a + (b - a) * U",
            "driving": "tenacity.Retrying(wait=W, stop=stop_after_attempt(13), "
                       "sleep=<recorder>, reraise=True) around a function that always raises; "
                       "delays[i] is the argument of the (i+1)-th sleep, i.e. the wait after "
                       "attempt_number i+1 failed",
            "fields": {
                "delays": "seconds, as floats (JSON numbers, shortest repr that round-trips)",
                "u_values": "the U list of this profile (empty when the strategy draws none)",
                "u_used_per_retry": "the U each of retries 1..12 drew, in order",
                "draws_in_loop": "random draws made by the whole Retrying run (13 waits)",
                "python_types": "type returned by the strategy itself before Retrying's float()",
            },
            "profiles": PROFILES,
        },
        "strategies": entries,
    }
    text = json.dumps(doc, indent=2, sort_keys=True, allow_nan=False) + "\n"
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
