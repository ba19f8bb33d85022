"""A Volley scenario: what one virtual user does in one iteration."""

import volley
from volley import check, http, sleep


class Scenario(volley.Scenario):
    options = {
        "vus": 5,
        "duration": "10s",
        "thresholds": {
            "http_req_failed": ["rate<0.01"],
            "http_req_duration": ["p(95)<500"],
        },
    }

    def __init__(self, setup_data=b""):
        self.base = volley.env("BASE_URL", "http://127.0.0.1:3030")

    def iteration(self):
        # Headers and body are read from the engine only when used.
        res = http.get(f"{self.base}/health", name="health")
        check("status is 200", res.status == 200)
        sleep(1)


Lifecycle = volley.lifecycle(Scenario)
