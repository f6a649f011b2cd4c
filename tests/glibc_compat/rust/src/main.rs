//! glibc-compat Rust test: built for the stock x86_64-unknown-linux-gnu
//! target, linked once against glibc and once against musl + libunikraft's
//! glibc compatibility layer; both runs must print the same and exit 3.
//!
//! Exercises what Rust's std needs from glibc: `_dl_find_object` (unwinding
//! for `catch_unwind`), `__cxa_thread_atexit_impl` (thread-local
//! destructors), `gnu_get_libc_version`, threads, channels, time.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

struct Announce(&'static str);

impl Drop for Announce {
    fn drop(&mut self) {
        println!("thread-local destructor: {}", self.0);
    }
}

thread_local! {
    static LOCAL: RefCell<Option<Announce>> = const { RefCell::new(None) };
}

#[inline(never)]
fn deep(n: u32) -> u32 {
    if n == 0 {
        panic!("deep panic");
    }
    deep(n - 1) + 1
}

fn main() {
    let mut words: HashMap<String, usize> = HashMap::new();
    for w in "the quick brown fox jumps over the lazy dog the end".split(' ') {
        *words.entry(w.to_string()).or_default() += 1;
    }
    let mut sorted: Vec<_> = words.into_iter().collect();
    sorted.sort();
    println!("{:?}", sorted);

    let total = Arc::new(Mutex::new(0u64));
    let (tx, rx) = mpsc::channel();
    let workers: Vec<_> = (1..=4u64)
        .map(|i| {
            let total = Arc::clone(&total);
            let tx = tx.clone();
            std::thread::spawn(move || {
                for _ in 0..1000 {
                    *total.lock().unwrap() += i;
                }
                tx.send(i * i).unwrap();
            })
        })
        .collect();
    drop(tx);
    for w in workers {
        w.join().unwrap();
    }
    let mut squares: Vec<u64> = rx.iter().collect();
    squares.sort();
    println!("total={} squares={:?}", *total.lock().unwrap(), squares);

    let t = std::thread::spawn(|| {
        LOCAL.with(|l| *l.borrow_mut() = Some(Announce("worker")));
        7
    });
    println!("worker returned {}", t.join().unwrap());

    std::panic::set_hook(Box::new(|_| {}));
    let caught = std::panic::catch_unwind(|| deep(5));
    println!("caught panic: {}", caught.is_err());
    let msg = std::thread::spawn(|| deep(3))
        .join()
        .err()
        .and_then(|e| e.downcast_ref::<&str>().map(|s| s.to_string()));
    println!("thread panic message: {:?}", msg);

    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(20));
    println!("slept >= 20ms: {}", start.elapsed() >= Duration::from_millis(20));

    LOCAL.with(|l| *l.borrow_mut() = Some(Announce("main")));
    println!("args: {}", std::env::args().count());
    std::process::exit(3);
}
