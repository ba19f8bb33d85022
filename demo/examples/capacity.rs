//! Measures how close the queue model's throughput at saturation comes to
//! its nominal capacity, `workers × 1000 / service_ms`, over real loopback
//! connections:
//!
//! ```text
//! cargo run --release -p volley-demo --example capacity -- [SECONDS]
//! ```
//!
//! For each model, closed-loop clients (four per worker, at least 16) keep
//! it saturated for SECONDS (default 3); answers inside the window count.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use volley_demo::{DemoTarget, FaultProfile, FaultRule, QueueModel};

/// (workers, service_ms) pairs measured.
const MODELS: [(u32, f64); 5] = [(4, 20.0), (1, 5.0), (8, 5.0), (50, 10.0), (16, 2.0)];

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let secs: f64 = std::env::args().nth(1).map_or(Ok(3.0), |s| s.parse())?;
    let window = Duration::from_secs_f64(secs);
    println!("workers service_ms clients  nominal/s  measured/s  measured/nominal");
    for (workers, service_ms) in MODELS {
        let profile = FaultProfile {
            default: Some(FaultRule {
                queue: Some(QueueModel {
                    workers,
                    service_ms,
                }),
                ..FaultRule::default()
            }),
            ..FaultProfile::default()
        };
        let target = DemoTarget::bind_with_faults(([127, 0, 0, 1], 0).into(), profile).await?;
        let clients = (workers as usize * 4).max(16);
        let answered = saturate(target.local_addr(), clients, window).await?;
        let nominal = f64::from(workers) * 1000.0 / service_ms;
        let measured = answered as f64 / secs;
        println!(
            "{workers:7} {service_ms:10} {clients:7} {nominal:10.0} {measured:11.1} {:17.3}",
            measured / nominal
        );
        target.shutdown().await;
    }
    Ok(())
}

/// Requests answered inside `window` by `clients` closed-loop clients.
async fn saturate(addr: SocketAddr, clients: usize, window: Duration) -> Result<u64, Error> {
    let end = Instant::now() + window;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            let mut answered = 0u64;
            while Instant::now() < end {
                let request = Request::get("/products/1")
                    .header("host", "demo")
                    .body(Empty::<Bytes>::new())?;
                let response = sender.send_request(request).await?;
                response.into_body().collect().await?;
                if Instant::now() <= end {
                    answered += 1;
                }
            }
            Ok::<u64, Error>(answered)
        }));
    }
    let mut answered = 0;
    for task in tasks {
        answered += task.await??;
    }
    Ok(answered)
}
