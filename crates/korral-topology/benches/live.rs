//! Watch event → live graph updated, at 100,000 objects: p50, p99 and max latency of
//! applying one event (parsing its JSON into an object included), over a mix of pod
//! relabels (which move pods in and out of selectors), pod deletes and re-adds, and
//! ConfigMap updates. Also the time to build the live graph and its memory.
//!
//! Run with `cargo bench -p korral-topology --bench live [-- OBJECTS]`.

use std::time::{Duration, Instant};

use korral_core::{Loader, Object, Source};
use korral_testkit::{SynthOptions, write_dump};
use korral_topology::LiveGraph;

fn main() {
    let objects: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mut dump = Vec::new();
    write_dump(&SynthOptions::new(objects), &mut dump).unwrap();
    let set = Loader::load_str("dump.json", std::str::from_utf8(&dump).unwrap()).unwrap();
    drop(dump);

    let started = Instant::now();
    let mut live = LiveGraph::from_objects(set.objects().iter().cloned());
    let build = started.elapsed();

    // The events, as JSON text the way a watch delivers them.
    let pods: Vec<&Object> = set.objects().iter().filter(|o| o.kind() == "Pod").collect();
    let maps: Vec<&Object> = set
        .objects()
        .iter()
        .filter(|o| o.kind() == "ConfigMap")
        .collect();
    let mut events: Vec<(char, String)> = Vec::new();
    for i in 0..20_000 {
        match i % 4 {
            0 | 1 => {
                let mut pod = pods[i * 7 % pods.len()].raw().to_value();
                pod["metadata"]["labels"]["app"] = serde_json::json!(format!("moved-{}", i % 3));
                events.push(('M', pod.to_string()));
            }
            2 => {
                let pod = pods[i * 13 % pods.len()];
                events.push(('D', pod.raw().as_str().to_owned()));
                events.push(('A', pod.raw().as_str().to_owned()));
            }
            _ => {
                let mut map = maps[i % maps.len()].raw().to_value();
                map["data"] = serde_json::json!({"k": i.to_string()});
                events.push(('M', map.to_string()));
            }
        }
    }

    let mut latencies: Vec<Duration> = Vec::with_capacity(events.len());
    for (kind, json) in &events {
        let started = Instant::now();
        let object = Object::from_json(json, Source::default()).unwrap();
        let diff = if *kind == 'D' {
            live.delete(&object.key())
        } else {
            live.upsert(object)
        };
        latencies.push(started.elapsed());
        std::hint::black_box(diff);
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "live graph of {} objects: built in {:.2?}; {} events: p50 {:.1?}, p99 {:.1?}, max {:.1?}",
        live.len(),
        build,
        latencies.len(),
        at(0.50),
        at(0.99),
        latencies[latencies.len() - 1],
    );
}
