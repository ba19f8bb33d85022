"""A customer-care bot's session against the demo shop, in Python: the same
flow, requests and checks as example-scenarios/rust/customer-care."""

import volley
from volley import check, group, http, sleep
from volley.metrics import Counter, Trend


class CustomerCare(volley.Scenario):
    options = {
        "scenarios": {"support_desk": {"executor": "constant-vus", "vus": 10, "duration": "15s"}},
        "thresholds": {
            "http_req_failed": ["rate<0.01"],
            "http_req_duration{name:place order}": ["p(95)<300"],
            "checkout_duration": ["p(95)<300", "avg<200"],
            "checks": ["rate>0.99"],
        },
    }

    def __init__(self, setup_data=b""):
        self.base = volley.env("BASE_URL", "http://127.0.0.1:3030")
        self.orders = Counter("orders_placed")
        self.checkout = Trend("checkout_duration", time=True)

    def iteration(self):
        me = volley.info()
        base = self.base
        with group("register"):
            res = http.post(f"{base}/customers", name="register", json={
                "name": f"customer {me.id}-{me.iteration}",
                "email": f"vu{me.id}.it{me.iteration}@example.test",
            })
            check("registered (201)", res.status == 201)
            if res.status != 201:
                raise RuntimeError(f"registration answered {res.status} without an id")
            customer_id = res.json()["id"]

        with group("browse"):
            listing = http.get(f"{base}/products", name="products")
            check("catalogue listed", listing.status == 200)
            pick = volley.random_below(20) + 1
            product = http.get(f"{base}/products/{pick}", name="product")
            check("product found", product.status == 200)

        with group("orders"):
            res = http.get(f"{base}/customers/{customer_id}/orders", name="customer orders")
            check("orders listed", res.status == 200 and res.text.lstrip().startswith("["))

        with group("checkout"):
            quantity = volley.random_below(3) + 1
            res = http.post(f"{base}/orders", name="place order", json={
                "customer_id": customer_id, "product_id": pick, "quantity": quantity,
            })
            if check("order placed (201)", res.status == 201):
                self.orders.add(1)
            self.checkout.add(res.timings["duration"])

        # Think time between sessions: 200 to 600 ms.
        sleep((200 + volley.random_below(401)) / 1000)


Lifecycle = volley.lifecycle(CustomerCare)
