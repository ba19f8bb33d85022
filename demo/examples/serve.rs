//! Serves the demo target until Ctrl-C, for benchmarks and manual poking,
//! optionally with a fault profile (JSON or TOML):
//!
//! ```text
//! cargo run --release -p volley-demo --example serve -- [ADDR] [PROFILE]
//! ```

use std::net::SocketAddr;
use std::path::Path;

use volley_demo::{DEFAULT_ADDR, DemoTarget, FaultProfile, routes};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args.next().as_deref().unwrap_or(DEFAULT_ADDR).parse()?;
    let target = match args.next() {
        Some(path) => {
            let profile = FaultProfile::from_file(Path::new(&path))?;
            DemoTarget::bind_with_faults(addr, profile).await?
        }
        None => DemoTarget::bind(addr).await?,
    };
    println!("demo target on http://{}", target.local_addr());
    for route in routes() {
        println!("  {:28} {}", route.key, route.description);
    }
    tokio::signal::ctrl_c().await?;
    target.shutdown().await;
    Ok(())
}
