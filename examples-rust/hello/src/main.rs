//! A std program run as a libunikraft unikernel: each check prints a line,
//! and the exit status is 0 only if all of them held.

use std::collections::HashMap;
use std::panic;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use hello_derive::Describe;

// Written by build.rs into OUT_DIR.
include!(concat!(env!("OUT_DIR"), "/primes.rs"));

/// What `#[derive(Describe)]` implements.
trait Describe {
    const NAME: &'static str;
    const FIELDS: &'static [&'static str];
}

#[derive(Describe)]
#[allow(dead_code)]
struct Reading {
    pub sensor: String,
    values: Vec<HashMap<String, u32>>,
    callback: Option<fn(u32) -> u32>,
    pub(crate) count: u64,
}

/// One check: Err says what went wrong.
type Check = fn() -> Result<(), String>;

fn check_collections() -> Result<(), String> {
    let text = "the quick brown fox jumps over the lazy dog the end";
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word).or_insert(0) += 1;
    }
    let mut squares: Vec<u64> = (1..=100).map(|n| n * n).collect();
    squares.retain(|n| n % 2 == 1);
    let sum: u64 = squares.iter().sum();
    if counts["the"] != 3 || counts.len() != 9 || squares.len() != 50 || sum != 166_650 {
        return Err(format!(
            "counts {counts:?}, {} odd squares summing to {sum}",
            squares.len()
        ));
    }
    Ok(())
}

fn check_threads() -> Result<(), String> {
    let handles: Vec<_> = (0..4u64)
        .map(|i| thread::spawn(move || (i * 1000..(i + 1) * 1000).sum::<u64>()))
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    if total != (0..4000u64).sum::<u64>() {
        return Err(format!("the threads' sums add up to {total}"));
    }
    Ok(())
}

fn check_mutex() -> Result<(), String> {
    let counter = Arc::new(Mutex::new(0u32));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for i in 0..1000 {
                    *counter.lock().unwrap() += 1;
                    if i % 64 == 0 {
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle
            .join()
            .map_err(|_| "a counting thread panicked".to_string())?;
    }
    let total = *counter.lock().unwrap();
    if total != 8000 || Arc::strong_count(&counter) != 1 {
        return Err(format!("the counter is {total}"));
    }
    Ok(())
}

fn check_channel() -> Result<(), String> {
    let (sender, receiver) = mpsc::channel();
    for producer in 0..3u32 {
        let sender = sender.clone();
        thread::spawn(move || {
            for n in 0..100u32 {
                sender
                    .send(producer * 1000 + n)
                    .expect("the receiver is alive");
            }
        });
    }
    drop(sender);
    let received: Vec<u32> = receiver.iter().collect();
    let sum: u32 = received.iter().sum();
    if received.len() != 300 || sum != (0..3).map(|p| p * 100_000 + 4950).sum::<u32>() {
        return Err(format!(
            "received {} messages summing to {sum}",
            received.len()
        ));
    }
    Ok(())
}

fn check_sleep() -> Result<(), String> {
    let start = Instant::now();
    thread::sleep(Duration::from_millis(50));
    let slept = start.elapsed();
    // Generous above: under TCG a vCPU may be descheduled for a while.
    if slept < Duration::from_millis(50) || slept > Duration::from_secs(5) {
        return Err(format!("sleeping 50 ms took {slept:?}"));
    }
    Ok(())
}

fn check_catch_unwind() -> Result<(), String> {
    // Keep the expected panic's message off the console.
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(|| {
        let v: Vec<i32> = Vec::new();
        if v.is_empty() {
            panic!("deliberate panic {}", 42);
        }
        v[0]
    });
    panic::set_hook(default_hook);
    let payload = match result {
        Err(payload) => payload,
        Ok(_) => return Err("the closure did not panic".into()),
    };
    // A message whose arguments are all constants may be folded into a &str.
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied());
    match message {
        Some("deliberate panic 42") => Ok(()),
        other => Err(format!("the panic carried {other:?}")),
    }
}

fn check_derive() -> Result<(), String> {
    if Reading::NAME != "Reading" || Reading::FIELDS != ["sensor", "values", "callback", "count"] {
        return Err(format!(
            "derive gave {} {:?}",
            Reading::NAME,
            Reading::FIELDS
        ));
    }
    Ok(())
}

fn check_build_script() -> Result<(), String> {
    let target = env!("HELLO_BUILD_TARGET");
    if PRIMES != [2, 3, 5, 7, 11, 13, 17, 19, 23, 29] || target != "x86_64-unknown-linux-gnu" {
        return Err(format!("build.rs gave {PRIMES:?} for {target}"));
    }
    Ok(())
}

fn main() {
    println!("hello from Rust on libunikraft");
    let checks: [(&str, Check); 8] = [
        ("collections", check_collections),
        ("threads", check_threads),
        ("mutex", check_mutex),
        ("channel", check_channel),
        ("sleep", check_sleep),
        ("catch_unwind", check_catch_unwind),
        ("derive", check_derive),
        ("build_script", check_build_script),
    ];
    let mut failed = 0;
    for (name, check) in checks {
        match check() {
            Ok(()) => println!("ok {name}"),
            Err(why) => {
                println!("FAILED {name}: {why}");
                failed += 1;
            }
        }
    }
    if failed != 0 {
        println!("{failed} of {} checks failed", checks.len());
        std::process::exit(1);
    }
    println!("all {} checks passed", checks.len());
}
