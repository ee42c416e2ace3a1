//! A TCP proxy between a store and PostgreSQL that a test can cut and restore, on the
//! same port: the database becomes unreachable, then comes back.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

pub struct Proxy {
    listen: SocketAddr,
    target: SocketAddr,
    running: Option<JoinHandle<()>>,
}

impl Proxy {
    /// A proxy to the server `database_url` names, listening on a free loopback port.
    pub async fn start(database_url: &str) -> Proxy {
        let url = url::Url::parse(database_url).unwrap();
        let host = url.host_str().unwrap();
        let target = tokio::net::lookup_host((host, url.port().unwrap_or(5432)))
            .await
            .unwrap()
            .next()
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let listen = listener.local_addr().unwrap();
        let mut proxy = Proxy {
            listen,
            target,
            running: None,
        };
        proxy.running = Some(tokio::spawn(forward(listener, target)));
        proxy
    }

    /// `database_url` with the proxy as its host and port.
    pub fn url_for(&self, database_url: &str) -> String {
        let mut url = url::Url::parse(database_url).unwrap();
        url.set_host(Some(&self.listen.ip().to_string())).unwrap();
        url.set_port(Some(self.listen.port())).unwrap();
        url.to_string()
    }

    /// Closes the port and every connection through it.
    pub async fn cut(&mut self) {
        if let Some(running) = self.running.take() {
            running.abort();
            let _ = running.await;
        }
    }

    /// Listens on the same port again.
    pub async fn restore(&mut self) {
        let listener = TcpListener::bind(self.listen).await.unwrap();
        self.running = Some(tokio::spawn(forward(listener, self.target)));
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.abort();
        }
    }
}

/// Accepts connections and pipes each to `target`; aborting it closes them all.
async fn forward(listener: TcpListener, target: SocketAddr) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((mut client, _)) = accepted else { continue };
                connections.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}
