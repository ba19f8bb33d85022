"""Benchmark scenario for memory per idle VU in Python: sleep 1 s per iteration."""

import volley
from volley import sleep


class Idle(volley.Scenario):
    def iteration(self):
        sleep(1)


Lifecycle = volley.lifecycle(Idle)
