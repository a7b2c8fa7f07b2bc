//! Reading an answer's body within limits: a size cap, and an idle timeout per read.

use std::time::Duration;

use bytes::{Buf, Bytes};
use http_body::Body;
use http_body_util::BodyExt;

/// A transport failure while reading a body.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// More than the cap, in bytes.
    TooLarge(u64),
    /// Nothing came for this long.
    Idle(Duration),
    /// The connection failed.
    Transport(BoxError),
}

/// Reads the next chunk of data; `None` at the end. Waits at most `idle` when given.
async fn next_chunk<B>(body: &mut B, idle: Option<Duration>) -> Result<Option<Bytes>, BodyError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    loop {
        let frame = match idle {
            Some(idle) => tokio::time::timeout(idle, body.frame())
                .await
                .map_err(|_| BodyError::Idle(idle))?,
            None => body.frame().await,
        };
        match frame {
            None => return Ok(None),
            Some(Err(err)) => return Err(BodyError::Transport(err.into())),
            // Trailers carry no data.
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
        }
    }
}

/// Reads a whole body, failing as soon as it passes `cap` bytes.
pub(crate) async fn read_to_end<B>(
    mut body: B,
    cap: u64,
    idle: Option<Duration>,
) -> Result<Vec<u8>, BodyError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    let mut out = Vec::new();
    while let Some(chunk) = next_chunk(&mut body, idle).await? {
        if (out.len() + chunk.len()) as u64 > cap {
            return Err(BodyError::TooLarge(cap));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// What to do with a line longer than the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LongLines {
    /// Fail: a watch event must be whole.
    Fail,
    /// Cut it into pieces of the cap: a log line is text for people.
    Split,
}

/// A body read as lines of at most `cap` bytes (without the `\n`).
pub(crate) struct Lines<B> {
    body: B,
    buffer: Vec<u8>,
    /// Data received but not yet moved to the buffer.
    pending: Bytes,
    cap: usize,
    long: LongLines,
    idle: Option<Duration>,
    done: bool,
}

impl<B> Lines<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    pub(crate) fn new(body: B, cap: u64, long: LongLines, idle: Option<Duration>) -> Self {
        Self {
            body,
            buffer: Vec::new(),
            pending: Bytes::new(),
            cap: usize::try_from(cap).unwrap_or(usize::MAX),
            long,
            idle,
            done: false,
        }
    }

    /// The next line (lossy UTF-8 is the caller's choice: bytes are returned), or
    /// `None` at the end of the body. A last line without `\n` is returned too.
    pub(crate) async fn next_line(&mut self) -> Option<Result<Vec<u8>, BodyError>> {
        loop {
            if let Some(at) = self.pending.iter().position(|&b| b == b'\n') {
                if self.buffer.len() + at > self.cap {
                    return Some(self.too_long());
                }
                self.buffer.extend_from_slice(&self.pending[..at]);
                self.pending.advance(at + 1);
                return Some(Ok(std::mem::take(&mut self.buffer)));
            }
            if self.buffer.len() + self.pending.len() > self.cap {
                return Some(self.too_long());
            }
            self.buffer.extend_from_slice(&self.pending);
            self.pending = Bytes::new();
            if self.done {
                return (!self.buffer.is_empty()).then(|| Ok(std::mem::take(&mut self.buffer)));
            }
            match next_chunk(&mut self.body, self.idle).await {
                Ok(Some(chunk)) => self.pending = chunk,
                Ok(None) => self.done = true,
                Err(err) => {
                    self.done = true;
                    return Some(Err(err));
                }
            }
        }
    }

    /// A line over the cap: an error, or its first `cap` bytes as a line of its own.
    fn too_long(&mut self) -> Result<Vec<u8>, BodyError> {
        match self.long {
            LongLines::Fail => {
                self.done = true;
                self.pending = Bytes::new();
                self.buffer = Vec::new();
                Err(BodyError::TooLarge(self.cap as u64))
            }
            LongLines::Split => {
                let room = self.cap - self.buffer.len().min(self.cap);
                let take = room.min(self.pending.len());
                self.buffer.extend_from_slice(&self.pending[..take]);
                self.pending.advance(take);
                Ok(std::mem::take(&mut self.buffer))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(chunks: &[&str]) -> impl Body<Data = Bytes, Error = std::io::Error> + Unpin {
        let frames: Vec<_> = chunks
            .iter()
            .map(|c| Ok::<_, std::io::Error>(http_body::Frame::data(Bytes::from(c.to_string()))))
            .collect();
        http_body_util::StreamBody::new(futures::stream::iter(frames))
    }

    async fn lines(chunks: &[&str], cap: u64, long: LongLines) -> Vec<Result<String, String>> {
        let mut lines = Lines::new(body(chunks), cap, long, None);
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().await {
            out.push(
                line.map(|l| String::from_utf8(l).unwrap())
                    .map_err(|e| format!("{e:?}")),
            );
        }
        out
    }

    #[tokio::test]
    async fn lines_span_chunks_and_end_without_newline() {
        let got = lines(&["ab", "c\nde\n", "\nf"], 10, LongLines::Fail).await;
        assert_eq!(
            got,
            [
                Ok("abc".into()),
                Ok("de".into()),
                Ok(String::new()),
                Ok("f".into())
            ]
        );
    }

    #[tokio::test]
    async fn a_line_over_the_cap_fails_or_is_cut() {
        let got = lines(&["abcd", "efgh\nij\n"], 5, LongLines::Fail).await;
        assert_eq!(got, [Err("TooLarge(5)".into())]);
        let got = lines(&["abcd", "efgh\nij\n"], 5, LongLines::Split).await;
        assert_eq!(got, [Ok("abcde".into()), Ok("fgh".into()), Ok("ij".into())]);
    }

    #[tokio::test]
    async fn bodies_over_the_cap_stop_early() {
        let err = read_to_end(body(&["12345", "6789"]), 8, None)
            .await
            .unwrap_err();
        assert!(matches!(err, BodyError::TooLarge(8)));
        let ok = read_to_end(body(&["1234", "5678"]), 8, None).await.unwrap();
        assert_eq!(ok, b"12345678");
    }
}
