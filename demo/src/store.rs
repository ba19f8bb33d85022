//! Customers and their orders: the only mutable state of the demo target.
//!
//! Customers live in sharded `Mutex<HashMap>`s so concurrent requests for
//! different customers rarely meet on a lock; each lock is held for one map
//! operation and never across an `.await`. Memory is bounded: a cap on
//! customers and a ring of the newest orders per customer, because a load
//! test may create customers for hours.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Serialize;

/// Number of lock shards; a power of two comfortably above the core count.
const SHARDS: usize = 64;

/// How much state the store may keep.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Customers that may ever be created; later creations fail with [`Full`].
    pub(crate) max_customers: u64,
    /// Orders kept per customer; the oldest is dropped beyond this.
    pub(crate) max_orders_per_customer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_customers: 1_000_000,
            max_orders_per_customer: 100,
        }
    }
}

/// A placed order, as stored and as serialized in responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Order {
    pub(crate) id: u64,
    pub(crate) customer_id: u64,
    pub(crate) product_id: u64,
    pub(crate) quantity: u32,
    pub(crate) total_cents: u64,
}

/// The store refused a new customer because [`Limits::max_customers`] is reached.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Full;

/// The customer id names no customer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UnknownCustomer;

/// What the store keeps per customer. Name and email are not kept: no route
/// reads them back, and dropping them keeps a full store near 60 MB.
#[derive(Default)]
struct Customer {
    orders: VecDeque<Order>,
}

/// Customers and orders, shared by every connection task.
pub(crate) struct Store {
    limits: Limits,
    shards: Box<[Mutex<HashMap<u64, Customer>>]>,
    /// Customer ids handed out so far; the next id is this plus one.
    customers_issued: AtomicU64,
    /// Order ids handed out so far, across all customers.
    orders_issued: AtomicU64,
}

impl Store {
    /// An empty store bounded by `limits`.
    pub(crate) fn new(limits: Limits) -> Store {
        Store {
            limits,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            customers_issued: AtomicU64::new(0),
            orders_issued: AtomicU64::new(0),
        }
    }

    /// Creates a customer and returns its id (ids start at 1).
    pub(crate) fn create_customer(&self) -> Result<u64, Full> {
        let max = self.limits.max_customers;
        let previous = self
            .customers_issued
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < max).then_some(n + 1)
            })
            .map_err(|_| Full)?;
        let id = previous + 1;
        self.shard(id).insert(id, Customer::default());
        Ok(id)
    }

    /// Records an order for an existing customer and returns it with its new id.
    pub(crate) fn place_order(
        &self,
        customer_id: u64,
        product_id: u64,
        quantity: u32,
        total_cents: u64,
    ) -> Result<Order, UnknownCustomer> {
        let mut shard = self.shard(customer_id);
        let customer = shard.get_mut(&customer_id).ok_or(UnknownCustomer)?;
        // Allocated only once the customer is known, so rejected orders
        // leave no gaps in the ids.
        let id = self.orders_issued.fetch_add(1, Ordering::Relaxed) + 1;
        let order = Order {
            id,
            customer_id,
            product_id,
            quantity,
            total_cents,
        };
        if customer.orders.len() >= self.limits.max_orders_per_customer {
            customer.orders.pop_front();
        }
        customer.orders.push_back(order);
        Ok(order)
    }

    /// A copy of a customer's kept orders, oldest first.
    pub(crate) fn orders(&self, customer_id: u64) -> Result<Vec<Order>, UnknownCustomer> {
        // Copy out (at most a few KB) so serialization happens after the
        // lock is released.
        let shard = self.shard(customer_id);
        let customer = shard.get(&customer_id).ok_or(UnknownCustomer)?;
        Ok(customer.orders.iter().copied().collect())
    }

    fn shard(&self, customer_id: u64) -> MutexGuard<'_, HashMap<u64, Customer>> {
        // SHARDS fits any usize, and the remainder is below it: in bounds.
        let index = (customer_id % SHARDS as u64) as usize;
        // A panic while holding a shard lock cannot leave a map half-updated
        // (each critical section is one map call), so a poisoned lock is
        // still safe to use; refusing service forever would be worse.
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(max_customers: u64, max_orders_per_customer: usize) -> Store {
        Store::new(Limits {
            max_customers,
            max_orders_per_customer,
        })
    }

    #[test]
    fn customer_ids_start_at_one_and_stop_at_the_cap() {
        let store = small(2, 10);
        assert_eq!(store.create_customer(), Ok(1));
        assert_eq!(store.create_customer(), Ok(2));
        assert_eq!(store.create_customer(), Err(Full));
        assert_eq!(store.orders(2), Ok(Vec::new()));
    }

    #[test]
    fn orders_are_listed_per_customer() {
        let store = small(10, 10);
        let alice = store.create_customer().expect("room for alice");
        let bob = store.create_customer().expect("room for bob");
        let first = store.place_order(alice, 3, 2, 998).expect("alice exists");
        let second = store.place_order(bob, 1, 1, 1299).expect("bob exists");
        assert_eq!((first.id, second.id), (1, 2));
        assert_eq!(store.orders(alice), Ok(vec![first]));
        assert_eq!(store.orders(bob), Ok(vec![second]));
    }

    #[test]
    fn unknown_customers_are_rejected() {
        let store = small(10, 10);
        assert_eq!(store.place_order(7, 1, 1, 1), Err(UnknownCustomer));
        assert_eq!(store.orders(7), Err(UnknownCustomer));
        assert_eq!(store.orders(0), Err(UnknownCustomer));
    }

    #[test]
    fn only_the_newest_orders_are_kept() {
        let store = small(10, 3);
        let id = store.create_customer().expect("room");
        for _ in 0..5 {
            store.place_order(id, 1, 1, 1299).expect("customer exists");
        }
        let ids: Vec<u64> = store
            .orders(id)
            .expect("customer exists")
            .iter()
            .map(|o| o.id)
            .collect();
        assert_eq!(ids, vec![3, 4, 5]);
    }
}
