//! Reading and writing the archive formats. Reading streams: compressed tar is
//! decompressed on a second thread so that decompression and hashing overlap.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;

use crate::error::{Error, Result};

/// An archive format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// tar compressed with Zstandard (the default: fast to verify).
    #[serde(rename = "tar.zst")]
    TarZst,
    /// tar compressed with gzip.
    #[serde(rename = "tar.gz")]
    TarGz,
    /// zip, entries deflated.
    Zip,
    /// Uncompressed tar (read only).
    Tar,
}

impl Format {
    /// The usual file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::TarZst => "tar.zst",
            Self::TarGz => "tar.gz",
            Self::Zip => "zip",
            Self::Tar => "tar",
        }
    }

    /// Recognises a format by its first bytes.
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Self::TarZst)
        } else if head.starts_with(&[0x1f, 0x8b]) {
            Some(Self::TarGz)
        } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            Some(Self::Zip)
        } else if head.len() >= 262 && &head[257..262] == b"ustar" {
            Some(Self::Tar)
        } else {
            None
        }
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "tar.zst" | "zst" => Ok(Self::TarZst),
            "tar.gz" | "tgz" | "gz" => Ok(Self::TarGz),
            "zip" => Ok(Self::Zip),
            _ => Err(format!(
                "`{text}` is not a format korral writes; use tar.zst, tar.gz or zip"
            )),
        }
    }
}

/// Caps on what reading an archive may produce, against compression bombs.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes the archive may decompress to, in all.
    pub max_size: u64,
    /// Most decompressed bytes per byte of archive (beyond the first [`Limits::SLACK`]).
    pub max_ratio: u64,
}

impl Limits {
    /// Decompressed bytes always allowed whatever the ratio, so that small bundles of
    /// very compressible text are never refused.
    pub const SLACK: u64 = 16 << 20;

    /// The most an archive of `archive_len` bytes may decompress to. `declared` is what
    /// the manifest, once read, accounts for (its payload sizes plus the archive's
    /// framing, see [`Allowance`]): a bundle that decompresses to what it declares is
    /// never a bomb, whatever its ratio. `--max-size` holds in every case.
    fn cap(&self, archive_len: u64, declared: u64) -> u64 {
        self.max_ratio
            .saturating_mul(archive_len)
            .max(Self::SLACK)
            .max(declared)
            .min(self.max_size)
    }

    fn exceeded(&self, archive_len: u64, declared: u64, produced: u64) -> Error {
        if produced > self.max_size {
            Error::Limit(format!(
                "the archive decompresses to more than {} bytes (--max-size); raise it if the bundle is genuine",
                self.max_size
            ))
        } else if declared > 0 {
            Error::Limit(format!(
                "the archive decompresses to more than its manifest declares ({declared} bytes with the archive's framing) and more than {}× its {archive_len} bytes, like a compression bomb",
                self.max_ratio
            ))
        } else {
            Error::Limit(format!(
                "the archive decompresses to more than {}× its {archive_len} bytes, like a compression bomb; raise --max-ratio if the bundle is genuine",
                self.max_ratio
            ))
        }
    }
}

/// What the manifest declares the archive decompresses to, shared with the thread that
/// decompresses: 0 until the manifest is read, then its payload sizes plus the framing of
/// every entry (see [`Allowance::declare`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Allowance(Arc<AtomicU64>);

impl Allowance {
    /// Tar spends a 512-byte header and up to 511 bytes of padding per entry, and a
    /// long path adds a GNU long-name entry (its own header plus the name, padded).
    const FRAMING: u64 = 3 * 512;

    /// Allows what `manifest` accounts for: every entry's declared size and framing,
    /// the manifest and its signature, and the end of the archive. Never lowers it.
    pub(crate) fn declare(&self, manifest: &crate::manifest::Manifest, manifest_len: u64) {
        let framing: u64 = manifest
            .entries
            .iter()
            .map(|e| {
                let names = e.path.len() + e.target.as_ref().map_or(0, String::len);
                Self::FRAMING + 2 * names as u64
            })
            .fold(0u64, u64::saturating_add);
        let total = manifest
            .total_size()
            .saturating_add(framing)
            .saturating_add(manifest_len)
            .saturating_add(MAX_EXTENSION + 4 * Self::FRAMING);
        self.0.fetch_max(total, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Default for Limits {
    /// 64 GiB and 100:1. Real bundles (binaries, already-compressed image layers,
    /// manifests) stay far below both.
    fn default() -> Self {
        Self {
            max_size: 64 << 30,
            max_ratio: 100,
        }
    }
}

/// What an archive entry is, as the archive says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    Symlink(String),
    Hardlink(String),
    /// A device, FIFO or other special file: never extracted.
    Special(&'static str),
}

/// An entry's header.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub path: String,
    pub kind: Kind,
    /// Mode bits as stored, setuid/setgid/sticky included.
    pub mode: u32,
}

pub(crate) type Visit<'a> = dyn FnMut(&Header, &mut dyn Read) -> Result<()> + 'a;

/// Opens `path`, recognises its format and calls `visit` for each entry in archive
/// order, with a reader of its content.
pub(crate) fn read_file(
    path: &Path,
    limits: &Limits,
    allowance: &Allowance,
    visit: &mut Visit<'_>,
) -> Result<Format> {
    let file = File::open(path).map_err(|err| Error::io(path, err))?;
    read_open_file(file, path, limits, allowance, visit)
}

/// [`read_file`] of a file already open: whatever it is (a regular file, a FIFO), it
/// is read once, from where it stands.
pub(crate) fn read_open_file(
    mut file: File,
    path: &Path,
    limits: &Limits,
    allowance: &Allowance,
    visit: &mut Visit<'_>,
) -> Result<Format> {
    let metadata = file.metadata().map_err(|err| Error::io(path, err))?;
    if !metadata.is_file() {
        // A FIFO or a character device cannot seek: read it as a stream.
        let name = path.display().to_string();
        return read_stream(Box::new(file), &name, limits, allowance, visit);
    }
    let len = metadata.len();
    let format = sniff(&mut file).map_err(|err| Error::io(path, err))?;
    let format = format.ok_or_else(|| Error::UnknownFormat(path.to_owned()))?;
    read(file, len, format, limits, allowance, visit)?;
    Ok(format)
}

fn sniff<R: Read + Seek>(source: &mut R) -> io::Result<Option<Format>> {
    let mut head = [0u8; 512];
    let mut filled = 0;
    while filled < head.len() {
        match source.read(&mut head[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    source.seek(SeekFrom::Start(0))?;
    Ok(Format::sniff(&head[..filled]))
}

/// Reads an archive from any seekable source (used by the fuzz target).
pub(crate) fn read_any<R: Read + Seek + Send + 'static>(
    mut source: R,
    len: u64,
    limits: &Limits,
    allowance: &Allowance,
    visit: &mut Visit<'_>,
) -> Result<Format> {
    let format = sniff(&mut source)
        .map_err(|err| Error::Archive(err.to_string()))?
        .ok_or_else(|| Error::UnknownFormat("<input>".into()))?;
    read(source, len, format, limits, allowance, visit)?;
    Ok(format)
}

fn read<R: Read + Seek + Send + 'static>(
    source: R,
    len: u64,
    format: Format,
    limits: &Limits,
    allowance: &Allowance,
    visit: &mut Visit<'_>,
) -> Result<()> {
    if format == Format::Zip {
        return read_zip(source, len, limits, allowance, visit);
    }
    read_compressed_tar(
        Box::new(source),
        format,
        limits,
        allowance,
        move || len,
        true,
        visit,
    )
}

/// Reads an archive from a stream that cannot seek (standard input), in one pass.
/// Its length is not known ahead, so the ratio cap is held against the compressed
/// bytes read so far. Zip keeps its index at its end and cannot be read this way.
pub(crate) fn read_stream(
    source: Box<dyn Read + Send>,
    name: &str,
    limits: &Limits,
    allowance: &Allowance,
    visit: &mut Visit<'_>,
) -> Result<Format> {
    let consumed = Arc::new(AtomicU64::new(0));
    let mut source = Consumed {
        inner: source,
        count: Arc::clone(&consumed),
    };
    let mut head = Vec::with_capacity(512);
    (&mut source)
        .take(512)
        .read_to_end(&mut head)
        .map_err(|err| Error::io(name, err))?;
    let format = Format::sniff(&head).ok_or_else(|| Error::UnknownFormat(name.into()))?;
    if format == Format::Zip {
        return Err(Error::Input(format!(
            "{name} is a zip, and zip keeps its index at its end: save it to a file and verify that, or make the bundle tar.zst"
        )));
    }
    let source = Box::new(io::Cursor::new(head).chain(source));
    read_compressed_tar(
        source,
        format,
        limits,
        allowance,
        move || consumed.load(Ordering::Relaxed),
        false,
        visit,
    )?;
    Ok(format)
}

/// Counts the bytes read from a stream.
struct Consumed {
    inner: Box<dyn Read + Send>,
    count: Arc<AtomicU64>,
}

impl Read for Consumed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Decompresses a tar (on a second thread) and visits its entries. `archive_len` is
/// the archive's size in bytes, or as much of it as has been read, for the ratio cap;
/// `join`: whether to wait for the thread when done (not for a stream that may block).
fn read_compressed_tar(
    source: Box<dyn Read + Send>,
    format: Format,
    limits: &Limits,
    allowance: &Allowance,
    archive_len: impl Fn() -> u64 + Send + 'static,
    join: bool,
    visit: &mut Visit<'_>,
) -> Result<()> {
    let decoded: Box<dyn Read + Send> = match format {
        Format::TarZst => {
            let decoder = zstd::stream::read::Decoder::new(source)
                .map_err(|err| Error::Archive(format!("zstd: {err}")))?;
            Box::new(decoder)
        }
        Format::TarGz => Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(1 << 16, source),
        )),
        Format::Tar | Format::Zip => source,
    };
    let reader = Pipe::spawn(decoded, *limits, allowance.clone(), archive_len, join);
    read_tar(reader, visit)
}

/// The most a GNU long-name or long-link entry, or a PAX extension header, may hold.
/// Paths are at most 4 KiB on Linux; korral's own names are far shorter. The tar crate
/// would read any size into memory (a header claiming 1 GiB made verify allocate 4 GB).
pub(crate) const MAX_EXTENSION: u64 = 64 << 10;

/// Extensions read so far that describe the next entry.
#[derive(Default)]
struct Pending {
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax: Option<Vec<u8>>,
}

fn read_tar(reader: Pipe, visit: &mut Visit<'_>) -> Result<()> {
    let mut archive = tar::Archive::new(reader);
    // Raw: long names and PAX headers are read here, with a cap on their size.
    let entries = archive.entries().map_err(archive_error)?.raw(true);
    let mut pending = Pending::default();
    for entry in entries {
        let mut entry = entry.map_err(archive_error)?;
        let kind = entry.header().entry_type();
        let slot = match kind {
            tar::EntryType::GNULongName => Some(&mut pending.long_name),
            tar::EntryType::GNULongLink => Some(&mut pending.long_link),
            tar::EntryType::XHeader => Some(&mut pending.pax),
            _ => None,
        };
        if let Some(slot) = slot {
            if slot.is_some() {
                return Err(Error::Archive(
                    "two long-name or PAX headers describe the same entry".into(),
                ));
            }
            let size = entry.header().entry_size().map_err(archive_error)?;
            *slot = Some(read_extension(&mut entry, size)?);
            continue;
        }
        if kind == tar::EntryType::XGlobalHeader {
            // Global PAX records (a comment, a mtime) say nothing korral uses.
            let size = entry.header().entry_size().map_err(archive_error)?;
            read_extension(&mut entry, size)?;
            continue;
        }
        let pending = std::mem::take(&mut pending);
        let pax = Pax::parse(pending.pax.as_deref(), entry.header().entry_size().ok())?;
        let raw_path = pax
            .path
            .or(pending.long_name.map(trim_nul))
            .unwrap_or_else(|| entry.header().path_bytes().into_owned());
        let path = text(&raw_path, "path")?;
        let header = entry.header();
        let mode = header.mode().map_err(archive_error)?;
        let link_bytes = pax
            .link
            .or(pending.long_link.map(trim_nul))
            .or_else(|| header.link_name_bytes().map(std::borrow::Cow::into_owned));
        let link = || -> Result<String> {
            match &link_bytes {
                Some(name) => text(name, "link target"),
                None => Err(Error::Archive(format!(
                    "`{path}` is a link without a target"
                ))),
            }
        };
        let kind = match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous => Kind::File,
            tar::EntryType::Directory => Kind::Dir,
            tar::EntryType::Symlink => Kind::Symlink(link()?),
            tar::EntryType::Link => Kind::Hardlink(link()?),
            tar::EntryType::Char => Kind::Special("a character device"),
            tar::EntryType::Block => Kind::Special("a block device"),
            tar::EntryType::Fifo => Kind::Special("a FIFO"),
            // Sparse files, volume labels and vendor types: not something korral writes.
            _ => Kind::Special("an unsupported tar entry type"),
        };
        let header = Header { path, kind, mode };
        visit(&header, &mut entry)?;
        // Whatever the visitor left unread is skipped by the tar reader.
    }
    if pending.long_name.is_some() || pending.long_link.is_some() || pending.pax.is_some() {
        return Err(Error::Archive(
            "it ends with a long-name or PAX header and no entry after it".into(),
        ));
    }
    Ok(())
}

/// Reads a long-name or PAX header's content, refusing one larger than
/// [`MAX_EXTENSION`] before reading a byte of it.
fn read_extension(entry: &mut dyn Read, size: u64) -> Result<Vec<u8>> {
    if size > MAX_EXTENSION {
        return Err(Error::Archive(format!(
            "a long-name or PAX header of {size} bytes (at most {MAX_EXTENSION}): not a bundle korral or tar writes"
        )));
    }
    let mut data = Vec::new();
    entry
        .take(MAX_EXTENSION)
        .read_to_end(&mut data)
        .map_err(archive_error)?;
    Ok(data)
}

/// A GNU long name ends with a NUL.
fn trim_nul(mut bytes: Vec<u8>) -> Vec<u8> {
    while bytes.last() == Some(&0) {
        bytes.pop();
    }
    bytes
}

/// The PAX records korral reads: `path` and `linkpath`.
struct Pax {
    path: Option<Vec<u8>>,
    link: Option<Vec<u8>>,
}

impl Pax {
    fn parse(data: Option<&[u8]>, header_size: Option<u64>) -> Result<Self> {
        let mut pax = Self {
            path: None,
            link: None,
        };
        let Some(data) = data else {
            return Ok(pax);
        };
        for record in tar::PaxExtensions::new(data) {
            let record = record.map_err(|_| Error::Archive("a PAX header is malformed".into()))?;
            match record.key_bytes() {
                b"path" => pax.path = Some(record.value_bytes().to_vec()),
                b"linkpath" => pax.link = Some(record.value_bytes().to_vec()),
                // A size record overrides the header's: readers that disagree on it see
                // different archives, so korral reads only archives where both agree.
                b"size" => {
                    let size = std::str::from_utf8(record.value_bytes())
                        .ok()
                        .and_then(|v| v.parse::<u64>().ok());
                    if size.is_none() || size != header_size {
                        return Err(Error::Archive(
                            "a PAX `size` record differs from its entry's header; repack with `tar --format=gnu`, or make the bundle with `korral bundle create`".into(),
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(pax)
    }
}

fn read_zip<R: Read + Seek>(
    source: R,
    len: u64,
    limits: &Limits,
    allowance: &Allowance,
    visit: &mut Visit<'_>,
) -> Result<()> {
    let mut archive =
        zip::ZipArchive::new(source).map_err(|err| Error::Archive(format!("zip: {err}")))?;
    let mut produced = 0u64;
    for index in 0..archive.len() {
        let mut file = archive
            .by_index(index)
            .map_err(|err| Error::Archive(format!("zip: {err}")))?;
        let path = file
            .name()
            .map_err(|err| Error::Archive(format!("zip: {err}")))?
            .into_owned();
        let unix = file.unix_mode();
        let mode = unix.map_or(if file.is_dir() { 0o755 } else { 0o644 }, |m| m & 0o7777);
        let kind = match unix.map(|m| m & 0o170_000) {
            _ if file.is_dir() => Kind::Dir,
            Some(0o120_000) => {
                let mut target = Vec::new();
                (&mut file)
                    .take(4096)
                    .read_to_end(&mut target)
                    .map_err(archive_error)?;
                Kind::Symlink(text(&target, "symlink target")?)
            }
            Some(0o020_000) => Kind::Special("a character device"),
            Some(0o060_000) => Kind::Special("a block device"),
            Some(0o010_000) => Kind::Special("a FIFO"),
            Some(0o140_000) => Kind::Special("a socket"),
            _ => Kind::File,
        };
        let header = Header {
            path: path.trim_end_matches('/').to_owned(),
            kind,
            mode,
        };
        // The manifest, once read, may allow more.
        let cap = limits.cap(len, allowance.get());
        let mut counted = Counted {
            inner: &mut file,
            produced: &mut produced,
            cap,
        };
        let result = visit(&header, &mut counted);
        if produced > cap {
            return Err(limits.exceeded(len, allowance.get(), produced));
        }
        result?;
    }
    Ok(())
}

/// Counts decompressed bytes of zip entries against the cap.
struct Counted<'a, R> {
    inner: R,
    produced: &'a mut u64,
    cap: u64,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        *self.produced += n as u64;
        if *self.produced > self.cap {
            return Err(io::Error::other(LimitHit));
        }
        Ok(n)
    }
}

#[derive(Debug)]
struct LimitHit;

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("decompression limit reached")
    }
}

impl std::error::Error for LimitHit {}

fn text(bytes: &[u8], what: &str) -> Result<String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Error::Archive(format!("an entry's {what} is not UTF-8")))
}

/// Reads `reader` to its end through `buffer`, handing each chunk to `chunk`.
pub(crate) fn for_each_chunk(
    reader: &mut dyn Read,
    buffer: &mut [u8],
    mut chunk: impl FnMut(&[u8]) -> Result<()>,
) -> Result<u64> {
    let mut total = 0u64;
    loop {
        let n = match reader.read(buffer) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(archive_error(err)),
        };
        chunk(&buffer[..n])?;
        total += n as u64;
    }
}

/// A read error inside the archive: a limit (carried through `io::Error`), or damage.
// By value, to be used as `.map_err(archive_error)`.
#[allow(clippy::needless_pass_by_value)]
pub(crate) fn archive_error(err: io::Error) -> Error {
    if let Some(inner) = err.get_ref()
        && let Some(limit) = inner.downcast_ref::<PipeLimit>()
    {
        return Error::Limit(limit.0.clone());
    }
    if let Some(inner) = err.get_ref()
        && inner.is::<LimitHit>()
    {
        return Error::Limit("decompression limit reached".into());
    }
    match err.kind() {
        io::ErrorKind::UnexpectedEof => {
            Error::Archive("it ends early (truncated download or copy?)".into())
        }
        _ => Error::Archive(err.to_string()),
    }
}

#[derive(Debug)]
struct PipeLimit(String);

impl std::fmt::Display for PipeLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PipeLimit {}

const CHUNK: usize = 1 << 20;
/// Chunks in flight between the decompressing thread and the reader: memory stays
/// near `DEPTH × CHUNK` whatever the bundle's size.
const DEPTH: usize = 4;

/// Decompresses on a second thread and hands over chunks: a `Read` of bounded memory.
pub(crate) struct Pipe {
    chunks: mpsc::Receiver<io::Result<(Vec<u8>, usize)>>,
    recycle: mpsc::SyncSender<Vec<u8>>,
    current: Vec<u8>,
    /// Bytes of `current` that hold data (buffers stay at full length, unzeroed).
    len: usize,
    pos: usize,
    done: bool,
    /// The decompressing thread, joined on drop; `None` once joined, or when the source
    /// is a stream whose next read may never come (standard input), left to end alone.
    thread: Option<thread::JoinHandle<()>>,
}

impl Pipe {
    fn spawn(
        mut source: Box<dyn Read + Send>,
        limits: Limits,
        allowance: Allowance,
        archive_len: impl Fn() -> u64 + Send + 'static,
        join: bool,
    ) -> Self {
        let (send, chunks) = mpsc::sync_channel::<io::Result<(Vec<u8>, usize)>>(DEPTH);
        let (recycle, spare) = mpsc::sync_channel::<Vec<u8>>(DEPTH + 2);
        let thread = thread::spawn(move || {
            let mut produced = 0u64;
            loop {
                let mut buf = spare.try_recv().unwrap_or_else(|_| vec![0; CHUNK]);
                let mut filled = 0;
                let result = loop {
                    match source.read(&mut buf[filled..]) {
                        Ok(0) => break Ok(()),
                        Ok(n) => {
                            filled += n;
                            if filled == CHUNK {
                                break Ok(());
                            }
                        }
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                        Err(err) => break Err(err),
                    }
                };
                produced += filled as u64;
                let len = archive_len();
                if produced > limits.cap(len, allowance.get()) {
                    let message = limits.exceeded(len, allowance.get(), produced).to_string();
                    let _ = send.send(Err(io::Error::other(PipeLimit(message))));
                    return;
                }
                let last = filled < CHUNK || result.is_err();
                if filled > 0 && send.send(Ok((buf, filled))).is_err() {
                    return;
                }
                if let Err(err) = result {
                    let _ = send.send(Err(err));
                    return;
                }
                if last {
                    return;
                }
            }
        });
        Self {
            chunks,
            recycle,
            current: Vec::new(),
            len: 0,
            pos: 0,
            done: false,
            thread: join.then_some(thread),
        }
    }
}

impl Drop for Pipe {
    /// Hangs up, so that the thread stops at its next chunk (at most one more
    /// [`CHUNK`] of a file), and waits for it: nothing keeps decompressing after the
    /// reader is gone.
    fn drop(&mut self) {
        let (_, hung_up) = mpsc::sync_channel(0);
        drop(std::mem::replace(&mut self.chunks, hung_up));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.len {
            if self.done {
                return Ok(0);
            }
            match self.chunks.recv() {
                Ok(Ok((chunk, len))) => {
                    let old = std::mem::replace(&mut self.current, chunk);
                    if !old.is_empty() {
                        let _ = self.recycle.try_send(old);
                    }
                    self.len = len;
                    self.pos = 0;
                }
                Ok(Err(err)) => {
                    self.done = true;
                    return Err(err);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = buf.len().min(self.len - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Writes an archive entry by entry.
pub(crate) enum Writer {
    Tar(tar::Builder<Box<dyn FinishWrite>>),
    Zip(Box<zip::ZipWriter<BufWriter<File>>>),
}

/// A compressing writer that must be told when the stream ends.
pub(crate) trait FinishWrite: Write + Send {
    fn finish_stream(self: Box<Self>) -> io::Result<()>;
}

impl FinishWrite for zstd::stream::write::Encoder<'static, BufWriter<File>> {
    fn finish_stream(self: Box<Self>) -> io::Result<()> {
        self.finish()?.flush()
    }
}

impl FinishWrite for flate2::write::GzEncoder<BufWriter<File>> {
    fn finish_stream(self: Box<Self>) -> io::Result<()> {
        self.finish()?.flush()
    }
}

impl Writer {
    pub(crate) fn new(file: File, format: Format) -> io::Result<Self> {
        let out = BufWriter::with_capacity(1 << 20, file);
        Ok(match format {
            Format::TarZst => {
                let mut encoder = zstd::stream::write::Encoder::new(out, 3)?;
                // A frame checksum makes corrupt compression an error of its own, even
                // when extracting with --insecure-skip-verify.
                encoder.include_checksum(true)?;
                // Two workers: compression keeps pace with reading on small machines.
                encoder.multithread(2)?;
                Self::Tar(tar::Builder::new(Box::new(encoder)))
            }
            Format::TarGz => Self::Tar(tar::Builder::new(Box::new(flate2::write::GzEncoder::new(
                out,
                flate2::Compression::default(),
            )))),
            Format::Zip => Self::Zip(Box::new(zip::ZipWriter::new(out))),
            Format::Tar => Self::Tar(tar::Builder::new(Box::new(PlainTar(out)))),
        })
    }

    pub(crate) fn add_file(
        &mut self,
        path: &str,
        mode: u32,
        size: u64,
        mtime: i64,
        content: &mut dyn Read,
    ) -> io::Result<()> {
        match self {
            Self::Tar(builder) => {
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(size);
                header.set_mode(mode);
                header.set_mtime(mtime.max(0) as u64);
                builder.append_data(&mut header, path, content)
            }
            Self::Zip(zip) => {
                let options = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .unix_permissions(mode)
                    .last_modified_time(zip_time(mtime))
                    .large_file(size >= u64::from(u32::MAX));
                zip.start_file(path, options).map_err(io::Error::other)?;
                io::copy(content, zip.as_mut())?;
                Ok(())
            }
        }
    }

    pub(crate) fn add_dir(&mut self, path: &str, mode: u32, mtime: i64) -> io::Result<()> {
        match self {
            Self::Tar(builder) => {
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                header.set_mode(mode);
                header.set_mtime(mtime.max(0) as u64);
                builder.append_data(&mut header, path, io::empty())
            }
            Self::Zip(zip) => {
                let options = zip::write::SimpleFileOptions::default()
                    .unix_permissions(mode)
                    .last_modified_time(zip_time(mtime));
                zip.add_directory(path, options).map_err(io::Error::other)
            }
        }
    }

    pub(crate) fn add_symlink(&mut self, path: &str, target: &str, mtime: i64) -> io::Result<()> {
        match self {
            Self::Tar(builder) => {
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                header.set_mode(0o777);
                header.set_mtime(mtime.max(0) as u64);
                builder.append_link(&mut header, path, target)
            }
            Self::Zip(zip) => {
                let options =
                    zip::write::SimpleFileOptions::default().last_modified_time(zip_time(mtime));
                zip.add_symlink(path, target, options)
                    .map_err(io::Error::other)
            }
        }
    }

    pub(crate) fn finish(self) -> io::Result<()> {
        match self {
            Self::Tar(builder) => builder.into_inner()?.finish_stream(),
            Self::Zip(zip) => zip.finish().map_err(io::Error::other)?.flush(),
        }
    }
}

struct PlainTar(BufWriter<File>);

impl Write for PlainTar {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl FinishWrite for PlainTar {
    fn finish_stream(mut self: Box<Self>) -> io::Result<()> {
        self.0.flush()
    }
}

fn zip_time(unix: i64) -> zip::DateTime {
    let time = jiff::Timestamp::from_second(unix)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(jiff::tz::TimeZone::UTC);
    zip::DateTime::from_date_and_time(
        time.year().clamp(1980, 2107) as u16,
        time.month() as u8,
        time.day() as u8,
        time.hour() as u8,
        time.minute() as u8,
        time.second() as u8,
    )
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bundle of many tiny files decompresses far beyond 100:1 (tar headers compress
    /// to almost nothing); once its manifest is read, what it declares is allowed.
    #[test]
    fn the_cap_grows_to_what_the_manifest_declares_but_never_past_max_size() {
        let limits = Limits {
            max_size: 1 << 30,
            max_ratio: 100,
        };
        assert_eq!(limits.cap(100_000, 0), Limits::SLACK);
        assert_eq!(limits.cap(1 << 20, 0), 100 << 20);
        assert_eq!(limits.cap(100_000, 40 << 20), 40 << 20);
        assert_eq!(limits.cap(100_000, 1 << 40), 1 << 30);
        let message = limits.exceeded(100_000, 40 << 20, 41 << 20).to_string();
        assert!(
            message.contains("more than its manifest declares"),
            "{message}"
        );
    }

    #[test]
    fn an_extension_header_larger_than_the_cap_is_refused_unread() {
        let mut never = io::repeat(0);
        let err = read_extension(&mut never, 1 << 30).unwrap_err();
        assert!(err.to_string().contains("1073741824 bytes"), "{err}");
        let name = read_extension(&mut &b"a/long/name\0"[..], 12).unwrap();
        assert_eq!(trim_nul(name), b"a/long/name");
    }
}
