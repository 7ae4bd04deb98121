//! The wire format of every stream: one length-prefixed frame each way, with size limits.
//!
//! A frame is a 4-byte big-endian length followed by that many bytes. The length comes first so
//! the receiver refuses an oversized frame before buffering any of it; and an empty frame (the
//! acknowledgement of a one-way message) stays distinguishable from a stream closed without
//! an answer.

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::request_response::Codec;
use libp2p::StreamProtocol;

use crate::counters::{bump, NetworkCounters};

/// The protocol of consensus messages.
pub(crate) const CONSENSUS_PROTOCOL: StreamProtocol = StreamProtocol::new("/zhenglian/consensus/1");
/// The protocol of transaction batches.
pub(crate) const TRANSACTIONS_PROTOCOL: StreamProtocol =
    StreamProtocol::new("/zhenglian/transactions/1");
/// The protocol of block-sync and missing-transaction requests.
pub(crate) const REQUEST_PROTOCOL: StreamProtocol = StreamProtocol::new("/zhenglian/request/1");

/// Why a frame was refused: it announced more bytes than the limit.
#[derive(Debug, thiserror::Error)]
#[error("frame of {size} bytes exceeds the {max}-byte limit")]
pub(crate) struct FrameTooLarge {
    pub(crate) size: usize,
    pub(crate) max: usize,
}

/// Whether an I/O error is our refusal of an oversized frame.
pub(crate) fn is_frame_too_large(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<FrameTooLarge>())
}

/// What an inbound frame refused for its size counts as.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Refusal {
    /// A one-way message, dropped.
    MessageDropped,
    /// A request, refused.
    RequestRefused,
}

/// A request/response codec of raw bytes with one size limit per direction.
#[derive(Clone, Debug)]
pub(crate) struct FrameCodec {
    request_bytes_max: usize,
    response_bytes_max: usize,
    /// The codec counts its own refusals: libp2p reports a failed read to nobody.
    counters: Arc<NetworkCounters>,
    refusal: Refusal,
}

impl FrameCodec {
    pub(crate) fn new(
        request_bytes_max: usize,
        response_bytes_max: usize,
        counters: Arc<NetworkCounters>,
        refusal: Refusal,
    ) -> FrameCodec {
        FrameCodec {
            request_bytes_max,
            response_bytes_max,
            counters,
            refusal,
        }
    }
}

impl Codec for FrameCodec {
    type Protocol = StreamProtocol;
    type Request = Bytes;
    type Response = Vec<u8>;

    async fn read_request<T>(&mut self, protocol: &StreamProtocol, io: &mut T) -> io::Result<Bytes>
    where
        T: AsyncRead + Unpin + Send,
    {
        let result = read_frame(io, self.request_bytes_max).await;
        if let Err(error) = &result {
            if is_frame_too_large(error) {
                bump(&self.counters.messages_oversized);
                match self.refusal {
                    Refusal::MessageDropped => bump(&self.counters.messages_dropped),
                    Refusal::RequestRefused => bump(&self.counters.requests_refused),
                }
                tracing::warn!(target: "zl_network", protocol = %protocol, %error, "refused an oversized inbound frame");
            }
        }
        result.map(Bytes::from)
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<u8>>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_frame(io, self.response_bytes_max).await
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: Bytes,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &request, self.request_bytes_max).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        response: Vec<u8>,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &response, self.response_bytes_max).await
    }
}

async fn read_frame<T: AsyncRead + Unpin>(io: &mut T, max: usize) -> io::Result<Vec<u8>> {
    let mut prefix = [0u8; 4];
    io.read_exact(&mut prefix).await?;
    let size = u32::from_be_bytes(prefix) as usize;
    if size > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            FrameTooLarge { size, max },
        ));
    }
    // Grow with the data actually received rather than trusting the prefix with an allocation.
    let mut frame = Vec::new();
    io.take(size as u64).read_to_end(&mut frame).await?;
    if frame.len() != size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("frame ended after {} of {size} bytes", frame.len()),
        ));
    }
    Ok(frame)
}

async fn write_frame<T: AsyncWrite + Unpin>(
    io: &mut T,
    frame: &[u8],
    max: usize,
) -> io::Result<()> {
    // The handle checks sizes before queueing; this guards the wire against a bug there.
    if frame.len() > max {
        let error = FrameTooLarge {
            size: frame.len(),
            max,
        };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, error));
    }
    let size = u32::try_from(frame.len()).expect("limits are below u32::MAX");
    io.write_all(&size.to_be_bytes()).await?;
    io.write_all(frame).await?;
    io.flush().await
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;
    use futures::io::Cursor;

    use super::*;

    #[test]
    fn frames_round_trip_including_empty() {
        for payload in [&b""[..], b"vote", &[7u8; 5000][..]] {
            let mut wire = Cursor::new(Vec::new());
            block_on(write_frame(&mut wire, payload, 5000)).unwrap();
            let mut wire = Cursor::new(wire.into_inner());
            assert_eq!(block_on(read_frame(&mut wire, 5000)).unwrap(), payload);
        }
    }

    #[test]
    fn an_oversized_frame_is_refused_from_its_prefix() {
        let mut wire = Cursor::new(101u32.to_be_bytes().to_vec());
        let error = block_on(read_frame(&mut wire, 100)).unwrap_err();
        assert!(is_frame_too_large(&error));
        let error =
            block_on(write_frame(&mut Cursor::new(Vec::new()), &[0; 101], 100)).unwrap_err();
        assert!(is_frame_too_large(&error));
    }

    #[test]
    fn a_truncated_frame_is_an_error_and_a_missing_one_too() {
        let mut wire = 10u32.to_be_bytes().to_vec();
        wire.extend_from_slice(b"short");
        let error = block_on(read_frame(&mut Cursor::new(wire), 100)).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        let error = block_on(read_frame(&mut Cursor::new(Vec::new()), 100)).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }
}
