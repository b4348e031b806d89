//! A TCP server that plays simulated meters: every connection gets its own meter, writing
//! real frames at the line rate of its mode, as ser2net would forward them. Used to test the
//! exporter with many TCP sources (benches/scale.sh).
//!
//! ```text
//! cargo run --release --example tic_simulator -- 127.0.0.1:4000 [KIND|mix] [NOISE]
//! ```
//! KIND is historic, historic-tri, standard, standard-tri or producer; `mix` (the default)
//! cycles through them per connection. NOISE is the share of corrupted bytes (default 0).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use teleinfo_exporter::config::DemoKind;
use teleinfo_exporter::simulator::{Rng, Simulator, add_noise};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

const KINDS: [DemoKind; 5] = DemoKind::ALL;

fn kind_named(name: &str) -> Option<DemoKind> {
    KINDS.into_iter().find(|k| k.as_str() == name)
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:4000".to_owned());
    let kind = args.next().unwrap_or_else(|| "mix".to_owned());
    let fixed = match kind.as_str() {
        "mix" => None,
        name => Some(kind_named(name).unwrap_or_else(|| {
            eprintln!("unknown kind {name:?}");
            std::process::exit(2);
        })),
    };
    let noise: f64 = args.next().map_or(0.0, |n| n.parse().unwrap_or(0.0));
    let listener = TcpListener::bind(&listen).await?;
    eprintln!("tic_simulator: serving simulated meters on {listen}");
    let mut index: u64 = 0;
    loop {
        let (mut stream, _) = listener.accept().await?;
        // The remainder is below KINDS.len(), a usize: the conversion cannot fail.
        let slot = usize::try_from(index % KINDS.len() as u64).unwrap_or(0);
        let kind = fixed.unwrap_or(KINDS[slot]);
        let seed = index.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ now().to_bits();
        index += 1;
        tokio::spawn(async move {
            let mut sim = Simulator::new(kind, seed);
            let baud = f64::from(sim.mode().baud_rate());
            let mut rng = Rng::new(seed ^ 1);
            let mut frame = Vec::with_capacity(2048);
            // Start each meter at a random point of its cycle, as real meters are.
            tokio::time::sleep(Duration::from_millis(rng.next_u64() % 1500)).await;
            loop {
                frame.clear();
                sim.next_frame(now(), &mut frame)
                    .expect("the simulator writes only groups the encoder accepts");
                add_noise(&mut frame, noise, &mut rng);
                if stream.write_all(&frame).await.is_err() {
                    return;
                }
                // The frame's time on the line, then the silence between frames.
                let line = frame.len() as f64 * 10.0 / baud + 0.025;
                tokio::time::sleep(Duration::from_secs_f64(line)).await;
            }
        });
    }
}
