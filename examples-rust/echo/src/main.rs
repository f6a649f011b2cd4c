//! A TCP echo server on `std::net`: a thread per connection sends back every
//! byte it reads until the peer shuts down its side.
//!
//!     echo [PORT]
//!
//! PORT defaults to 7. Each connection that ends prints a line with the
//! number of bytes it echoed.

use std::env;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;

/// Echoes one connection; returns the number of bytes echoed.
fn echo(mut stream: TcpStream) -> io::Result<u64> {
    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        stream.write_all(&buf[..n])?;
        total += n as u64;
    }
    stream.shutdown(Shutdown::Write)?;
    Ok(total)
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let port: u16 = match args.as_slice() {
        [] => 7,
        [p] => match p.parse() {
            Ok(p) => p,
            Err(_) => {
                eprintln!("usage: echo [PORT]");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: echo [PORT]");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(("0.0.0.0", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("echo: bind port {port}: {e}");
            return ExitCode::from(1);
        }
    };
    println!("echo: listening on {}", listener.local_addr().unwrap());
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(s) => s,
            Err(e) => {
                eprintln!("echo: accept: {e}");
                continue;
            }
        };
        thread::spawn(move || {
            let peer = stream.peer_addr().map(|a| a.to_string()).unwrap_or_default();
            match echo(stream) {
                Ok(n) => println!("echo: {peer} done, {n} bytes"),
                Err(e) => eprintln!("echo: {peer}: {e}"),
            }
        });
    }
    ExitCode::SUCCESS
}
