//! Serves the demo target until Ctrl-C, for benchmarks and manual poking:
//!
//! ```text
//! cargo run --release -p volley-demo --example serve -- [ADDR]
//! ```

use std::net::SocketAddr;

use volley_demo::{DEFAULT_ADDR, DemoTarget};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or(DEFAULT_ADDR)
        .parse()?;
    let target = DemoTarget::bind(addr).await?;
    println!("demo target on http://{}", target.local_addr());
    tokio::signal::ctrl_c().await?;
    target.shutdown().await;
    Ok(())
}
