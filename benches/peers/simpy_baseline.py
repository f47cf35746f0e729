#!/usr/bin/env python3
"""tokencast's *baseline* model of scenarios/support-assistant.ron, written with SimPy.

This is a peer implementation for benchmarking: the same workload, the same model, a
general-purpose discrete-event library. It does not parse RON; the scenario's parameters are
copied by hand into SCENARIO below (keep them in sync with scenarios/support-assistant.ron).

Model (what tokencast's synthetic workload + baseline strategy do):
  * Time is in milliseconds; day 0 is a Monday; the run covers `horizon_days` days.
  * Sessions arrive as a Poisson process whose rate is constant within each hour:
        sessions/hour(d, h) = DAU * sessions_per_user_per_day
                              * weekday_factor[weekday(d)] * hourly_share[h]
    with weekday_factor = weights normalised to mean 1 and hourly_share = profile normalised to
    sum 1. Gaps are exponential; at each hour boundary the draw restarts (exact, memoryless).
    Arrival times are truncated to whole ms. Only sessions starting before the horizon exist.
  * Each session is a SimPy process: turns ~ Geometric(mean) on {1, 2, ...}; system and tools
    tokens are fixed per session; each turn draws context, user and output tokens (LogNormal,
    rounded, floored at 0). Prompt = system + tools + history + context + user; after a turn the
    history grows by user + output (retrieved context is not kept). Between turns the session
    waits think time (LogNormal seconds, rounded to whole ms); a turn at or after the horizon
    is not sent.
  * Baseline billing: every input token at the input price, every output token at the output
    price (no caching, no batch). Cost is accumulated per day.

Output: one JSON object on stdout with requests, sessions, input_tokens, output_tokens,
cost_usd, daily_cost_usd and seconds (wall time of the simulation only, excluding imports and
setup).

Usage:  python simpy_baseline.py [--seed 42] [--days 30]
"""

import argparse
import json
import math
import random
import time

import simpy

# --------------------------------------------------------------------------------------------
# Parameters of scenarios/support-assistant.ron (hand-copied; RON parsing is out of scope).
# LogNormal(median, p90) is given as a (median, p90) pair.
# --------------------------------------------------------------------------------------------
SCENARIO = {
    "name": "support-assistant",
    "seed": 42,
    "horizon_days": 30,
    "start_weekday": 0,  # Monday
    "daily_active_users": 5000,
    "sessions_per_user_per_day": 1.2,
    "hourly_profile": [
        1, 1, 1, 1, 1, 2,       # 00-05
        4, 7, 10, 12, 12, 11,   # 06-11
        10, 11, 12, 11, 10, 8,  # 12-17
        7, 6, 5, 4, 3, 2,       # 18-23
    ],
    "weekday_weights": [1.1, 1.05, 1.0, 1.0, 0.95, 0.5, 0.45],  # Monday to Sunday
    "turns_mean": 5,                       # Geometric(mean: 5) on {1, 2, ...}
    "think_time_s": (35, 180),             # LogNormal(median: 35, p90: 180)
    "system_tokens": 2800,                 # Fixed, per session
    "tools_tokens": 1400,                  # Fixed, per session
    "context_tokens": (900, 2500),         # LogNormal, per turn, not kept in history
    "user_tokens": (45, 160),              # LogNormal, per turn
    "output_tokens": (220, 600),           # LogNormal, per turn
    # claude-sonnet-4-6 standard prices, USD per million tokens. 1M-token window and no
    # long-context tier for this model, so the price does not depend on prompt size.
    "input_usd_per_mtok": 3.0,
    "output_usd_per_mtok": 15.0,
}

MS_PER_HOUR = 3_600_000
MS_PER_DAY = 24 * MS_PER_HOUR
Z90 = 1.2815515655446004  # standard normal quantile at 0.9


def lognormal_params(median, p90):
    """(mu, sigma) of the LogNormal with the given median and 90th percentile."""
    mu = math.log(median)
    sigma = (math.log(p90) - mu) / Z90
    return mu, sigma


class Model:
    """State shared by the arrival process and the session processes."""

    def __init__(self, env, rng, params, horizon_days):
        self.env = env
        self.rng = rng
        self.horizon_days = horizon_days
        self.horizon_ms = horizon_days * MS_PER_DAY

        weights = params["weekday_weights"]
        self.weekday_factor = [w * 7 / sum(weights) for w in weights]
        profile = params["hourly_profile"]
        self.hourly_share = [x / sum(profile) for x in profile]
        self.sessions_per_day = params["daily_active_users"] * params["sessions_per_user_per_day"]
        self.start_weekday = params["start_weekday"]

        self.turn_p = 1.0 / params["turns_mean"]
        self.think = lognormal_params(*params["think_time_s"])
        self.context = lognormal_params(*params["context_tokens"])
        self.user = lognormal_params(*params["user_tokens"])
        self.output = lognormal_params(*params["output_tokens"])
        self.system_tokens = params["system_tokens"]
        self.tools_tokens = params["tools_tokens"]
        self.input_price = params["input_usd_per_mtok"] / 1e6
        self.output_price = params["output_usd_per_mtok"] / 1e6

        self.requests = 0
        self.sessions = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.daily_cost = [0.0] * horizon_days

    # ---- random draws ---------------------------------------------------------------------

    def draw_turns(self):
        """Geometric on {1, 2, ...}: 1 + number of failures before a success with p = 1/mean."""
        if self.turn_p >= 1.0:
            return 1
        u = 1.0 - self.rng.random()  # in (0, 1]
        return 1 + int(math.log(u) / math.log(1.0 - self.turn_p))

    def draw_tokens(self, mu_sigma):
        x = self.rng.lognormvariate(*mu_sigma)
        return max(0, math.floor(x + 0.5))

    def draw_think_ms(self):
        return round(self.rng.lognormvariate(*self.think) * 1000.0)

    # ---- processes ------------------------------------------------------------------------

    def sessions_per_ms(self, hour):
        day, h = divmod(hour, 24)
        weekday = (self.start_weekday + day) % 7
        per_hour = self.sessions_per_day * self.weekday_factor[weekday] * self.hourly_share[h]
        return per_hour / MS_PER_HOUR

    def arrivals(self):
        """Non-homogeneous Poisson arrivals, piecewise constant per hour."""
        t = 0.0
        for hour in range(self.horizon_days * 24):
            rate = self.sessions_per_ms(hour)
            end = float((hour + 1) * MS_PER_HOUR)
            if rate <= 0.0:
                t = end
                continue
            while True:
                t += self.rng.expovariate(1.0) / rate
                if t >= end:
                    t = end  # memoryless: restart the draw at the hour boundary
                    break
                at = int(t)
                if at > self.env.now:
                    yield self.env.timeout(at - self.env.now)
                self.env.process(self.session())

    def session(self):
        """One conversation: send its turns, thinking between them, until done or the horizon."""
        self.sessions += 1
        turns = self.draw_turns()
        prefix = self.system_tokens + self.tools_tokens
        history = 0
        for k in range(turns):
            context = self.draw_tokens(self.context)
            user = self.draw_tokens(self.user)
            output = self.draw_tokens(self.output)
            prompt = prefix + history + context + user
            self.bill(prompt, output)
            history += user + output
            if k + 1 < turns:
                think = self.draw_think_ms()
                if self.env.now + think >= self.horizon_ms:
                    return
                yield self.env.timeout(think)

    def bill(self, input_tokens, output_tokens):
        """Baseline strategy: the whole prompt at the input price, output at the output price."""
        self.requests += 1
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        cost = input_tokens * self.input_price + output_tokens * self.output_price
        self.daily_cost[int(self.env.now // MS_PER_DAY)] += cost


def simulate(seed, horizon_days, params=SCENARIO):
    """Run the model once; return the result dict (see module docstring)."""
    rng = random.Random(seed)
    started = time.perf_counter()
    env = simpy.Environment()
    model = Model(env, rng, params, horizon_days)
    env.process(model.arrivals())
    env.run()
    seconds = time.perf_counter() - started
    return {
        "requests": model.requests,
        "sessions": model.sessions,
        "input_tokens": model.input_tokens,
        "output_tokens": model.output_tokens,
        "cost_usd": sum(model.daily_cost),
        "daily_cost_usd": model.daily_cost,
        "seconds": seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SCENARIO["seed"], help="RNG seed (default 42)")
    parser.add_argument(
        "--days", type=int, default=SCENARIO["horizon_days"], help="horizon in days (default 30)"
    )
    args = parser.parse_args()
    if args.days < 1:
        parser.error("--days must be at least 1")
    print(json.dumps(simulate(args.seed, args.days)))


if __name__ == "__main__":
    main()
