//! The fixed product catalogue of the demo shop, with its JSON bodies
//! serialized once.
//!
//! The catalogue never changes, so `GET /products` and `GET /products/{id}`
//! answer with a borrowed `&'static` body: no serialization, allocation or
//! refcount traffic per request.

use std::sync::LazyLock;

use serde::Serialize;

/// One product of the shop.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Product {
    pub(crate) id: u64,
    pub(crate) name: &'static str,
    pub(crate) price_cents: u64,
    pub(crate) stock: u32,
}

/// Names and prices of the 20 products; ids are positions from 1.
const PRODUCTS: [(&str, u64); 20] = [
    ("Espresso Beans 1kg", 1299),
    ("Ceramic Mug", 850),
    ("Pour-Over Kettle", 4500),
    ("Paper Filters (100)", 499),
    ("Burr Grinder", 12900),
    ("Milk Frother", 2999),
    ("Travel Tumbler", 1999),
    ("Cold Brew Jar", 2450),
    ("Digital Scale", 3499),
    ("Tamper", 1750),
    ("Knock Box", 2200),
    ("Green Tea 100g", 899),
    ("Chai Spice Mix", 650),
    ("Hot Chocolate Tin", 799),
    ("Oat Milk 1l", 279),
    ("Barista Apron", 2599),
    ("Latte Glass Set", 1899),
    ("Descaling Tablets", 1150),
    ("Gift Card", 2500),
    ("Coffee Subscription", 3999),
];

/// The products with their pre-serialized response bodies.
pub(crate) struct Catalog {
    products: Vec<Product>,
    list_body: Vec<u8>,
    item_bodies: Vec<Vec<u8>>,
}

/// The one catalogue shared by every demo target in the process.
pub(crate) static CATALOG: LazyLock<Catalog> = LazyLock::new(Catalog::build);

impl Catalog {
    fn build() -> Catalog {
        let products: Vec<Product> = (1u64..)
            .zip(PRODUCTS)
            .map(|(id, (name, price_cents))| Product {
                id,
                name,
                price_cents,
                // Varied but deterministic, so responses are identical run to run.
                stock: 100 - (id as u32 - 1) * 3,
            })
            .collect();
        let list_body = to_json(&products);
        let item_bodies = products.iter().map(to_json).collect();
        Catalog {
            products,
            list_body,
            item_bodies,
        }
    }

    /// The product with this id, if any.
    pub(crate) fn product(&self, id: u64) -> Option<&Product> {
        let index = usize::try_from(id.checked_sub(1)?).ok()?;
        self.products.get(index)
    }

    /// The product with this id and its JSON body, if any.
    pub(crate) fn product_body(&'static self, id: u64) -> Option<&'static [u8]> {
        let index = usize::try_from(id.checked_sub(1)?).ok()?;
        self.item_bodies.get(index).map(Vec::as_slice)
    }

    /// The JSON array of every product.
    pub(crate) fn list_body(&'static self) -> &'static [u8] {
        &self.list_body
    }
}

/// Serializes catalogue data, which is plain structs of strings and numbers
/// and so cannot fail; an empty body would show up in every test if it did.
fn to_json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_twenty_products_with_ids_one_to_twenty() {
        let list: Vec<serde_json::Value> =
            serde_json::from_slice(CATALOG.list_body()).expect("list body is JSON");
        assert_eq!(list.len(), 20);
        assert_eq!(
            list[0],
            serde_json::json!({"id":1,"name":"Espresso Beans 1kg","price_cents":1299,"stock":100})
        );
        assert_eq!(list[19]["id"], 20);
        assert!(CATALOG.product(0).is_none());
        assert!(CATALOG.product(21).is_none());
        assert_eq!(CATALOG.product(5).map(|p| p.price_cents), Some(12900));
    }

    #[test]
    fn item_bodies_match_the_list() {
        let list: Vec<serde_json::Value> =
            serde_json::from_slice(CATALOG.list_body()).expect("list body is JSON");
        for (i, expected) in list.iter().enumerate() {
            let body = CATALOG.product_body(i as u64 + 1).expect("product exists");
            let item: serde_json::Value = serde_json::from_slice(body).expect("item is JSON");
            assert_eq!(&item, expected);
        }
    }
}
