"""Benchmark twin of bench/scenarios/get-check in Python: one GET and one
check per iteration, no sleep."""

import volley
from volley import check, http


class GetCheck(volley.Scenario):
    def __init__(self, setup_data=b""):
        self.url = volley.env("TARGET_URL", "http://127.0.0.1:3030/health")

    def iteration(self):
        res = http.get(self.url, discard_body=True)
        check("status is 200", res.status == 200)


Lifecycle = volley.lifecycle(GetCheck)
