//! Raw TCP byte streams: ser2net, ESP-Link or a dongle on another host forward the meter's
//! bytes unchanged.

use std::time::Duration;

use tokio::net::TcpStream;

use super::{OpenError, Opened};

/// A host that does not answer within this time is retried later.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn open(host: &str, port: u16) -> Result<Opened, OpenError> {
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host, port)))
        .await
        .map_err(|_| OpenError::NoAnswer {
            host: host.to_owned(),
            port,
            within: CONNECT_TIMEOUT,
        })??;
    stream.set_nodelay(true)?;
    Ok(Opened {
        reader: Box::pin(stream),
        baud: None,
        ends: false,
        probation: None,
    })
}
