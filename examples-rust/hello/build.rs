// Runs on the host before the app is compiled: computes the first primes and
// records the target triple, so the app can check that both reached it.

use std::env;
use std::fs;
use std::path::Path;

fn main() {
    // The primes below 30 (there are ten), by the sieve of Eratosthenes.
    let mut composite = [false; 30];
    let mut primes = Vec::new();
    for n in 2..composite.len() {
        if !composite[n] {
            primes.push(n as u32);
            for multiple in (n * n..composite.len()).step_by(n) {
                composite[multiple] = true;
            }
        }
    }
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let code = format!(
        "pub const PRIMES: [u32; {}] = {:?};\n",
        primes.len(),
        primes
    );
    fs::write(Path::new(&out_dir).join("primes.rs"), code).expect("cannot write primes.rs");

    let target = env::var("TARGET").expect("cargo sets TARGET for build scripts");
    println!("cargo:rustc-env=HELLO_BUILD_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
