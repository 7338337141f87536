//! The server's connection limits, over real TCP. A client
//! that sends its headers one byte a second is cut off at the header-read
//! timeout; one that stops reading a response, at the idle timeout; and no
//! more than the configured connections are served at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use attendance_http::ServeConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// Serves the test router with `config` on an ephemeral port; the server
/// stops when the returned sender is dropped.
async fn start(config: ServeConfig) -> (SocketAddr, oneshot::Sender<()>) {
    let h = support::Harness::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        attendance_http::serve_with(listener, h.app, &config, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (addr, stop)
}

/// Whether the server has closed `stream`: a read returns end of file or
/// an error (a reset) rather than blocking.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // A response (such as a 408) before the close is fine.
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn a_client_sending_headers_one_byte_a_second_is_cut_off() {
    let config = ServeConfig::default().with_header_read_timeout(Duration::from_secs(2));
    let (addr, _stop) = start(config).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    let request =
        b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut cut_off = false;
    for byte in request {
        if stream.write_all(&[*byte]).await.is_err() {
            cut_off = true;
            break;
        }
        if closed_within(&mut stream, Duration::from_secs(1)).await {
            cut_off = true;
            break;
        }
        if started.elapsed() > Duration::from_secs(8) {
            break;
        }
    }
    assert!(cut_off, "still open after {:?}", started.elapsed());
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1500) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let config = ServeConfig::default().with_header_read_timeout(Duration::from_secs(1));
    let (addr, _stop) = start(config).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 1024];
    let n = stream.read(&mut buffer).await.unwrap();
    assert!(
        buffer[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        &buffer[..n]
    );
    // Then nothing: the connection must not be kept for ever.
    assert!(closed_within(&mut stream, Duration::from_secs(4)).await);
}

#[tokio::test]
async fn a_client_that_stops_reading_a_response_is_cut_off() {
    let config = ServeConfig::default()
        .with_header_read_timeout(Duration::from_secs(30))
        .with_idle_timeout(Duration::from_secs(1));
    let (addr, _stop) = start(config).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // Ask for the OpenAPI document again and again without reading: the
    // responses fill the socket buffers and the server's writes stall.
    let request = b"GET /openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let started = Instant::now();
    let mut cut_off = false;
    while started.elapsed() < Duration::from_secs(10) {
        match tokio::time::timeout(Duration::from_secs(3), stream.write_all(request)).await {
            Ok(Ok(())) => continue,
            Ok(Err(_)) => {
                cut_off = true;
                break;
            }
            // Our own writes stall once the server stops reading.
            Err(_) => break,
        }
    }
    if !cut_off {
        cut_off = closed_within(&mut stream, Duration::from_secs(5)).await;
    }
    assert!(cut_off, "still open after {:?}", started.elapsed());
}

#[tokio::test]
async fn no_more_than_max_connections_are_served_at_once() {
    let config = ServeConfig::default()
        .with_max_connections(1)
        .with_header_read_timeout(Duration::from_secs(2));
    let (addr, _stop) = start(config).await;
    // The first connection holds the only slot (until its header timeout).
    let mut first = TcpStream::connect(addr).await.unwrap();
    first.write_all(b"GET /hea").await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut second = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    second
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    second.read_to_end(&mut response).await.unwrap();
    assert!(response.starts_with(b"HTTP/1.1 200"), "{response:?}");
    // Served only once the first connection was cut off.
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(closed_within(&mut first, Duration::from_secs(1)).await);
}
