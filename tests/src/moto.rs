//! A real S3-protocol server for tests: moto's (installed by `make setup`), on a free port of
//! 127.0.0.1, with one bucket, stopped on drop.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// A running moto S3 server.
pub struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    /// Starts moto and creates `bucket` in it.
    pub fn start(bucket: &str) -> Moto {
        let mut child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs (make setup installs moto[server])");
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        // The server prints its address once it listens: no sleeping, no guessing.
        let port = loop {
            let line = lines
                .next()
                .expect("moto printed its address (is moto[server] installed? run make setup)")
                .expect("moto's output is text");
            if let Some(at) = line.split("http://127.0.0.1:").nth(1) {
                break at.trim().parse().expect("a port number");
            }
        };
        std::thread::spawn(move || for _ in lines {});
        let moto = Moto { child, port };
        assert_eq!(
            moto.put(&format!("/{bucket}")),
            200,
            "bucket {bucket} created"
        );
        moto
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An unsigned `PUT path` (moto takes it for bucket creation); answers the status.
    fn put(&self, path: &str) -> u16 {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("moto listens");
        write!(
            stream,
            "PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .expect("request sent");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer read");
        answer
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("an HTTP status")
    }

    /// Stops the server: later requests find nothing listening.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}
