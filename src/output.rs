//! Every byte nntrace writes goes through here: standard output, or a file named with
//! `-o`/`--plot`. A regular file (or a new one) is written whole or not at all: to a
//! temporary file in the same folder, renamed into place. A symlink is written through to
//! its target (the link stays a link), and devices and pipes (`/dev/null`, a FIFO) are
//! written directly, never replaced. Every write error (a full disk) is reported.

use crate::error::{Doing, Error, IoFailure};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Links followed at most, as the kernel does.
const MAX_LINKS: usize = 40;

thread_local! {
    /// Where standard output goes while [`capture`] runs on this thread.
    static CAPTURED: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with everything it writes to standard output collected instead (on this
/// thread): how tests run whole commands in-process.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, String) {
    CAPTURED.with(|c| *c.borrow_mut() = Some(String::new()));
    let result = f();
    let text = CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (result, text)
}

/// Writes `text` to standard output; a closed pipe (`nntrace trace … | head`) is not an
/// error. Control characters other than colour sequences are escaped, so no file can make
/// nntrace send raw escape sequences or bells to a terminal.
pub(crate) fn to_stdout(text: &str) -> Result<(), Error> {
    let safe = crate::text::terminal_safe(text);
    let captured = CAPTURED.with(|c| match c.borrow_mut().as_mut() {
        Some(buffer) => {
            buffer.push_str(&safe);
            true
        }
        None => false,
    });
    if captured {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    match out.write_all(safe.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(IoFailure::new(Doing::WritingOutput, e).into()),
    }
}

/// Standard output as a stream, for output too large to hold whole (a trace of a large
/// network as JSON or tables): each piece is made terminal-safe as [`to_stdout`] makes the
/// whole text, and goes to the [`capture`] buffer when one is set. Pieces are written
/// whole, so a colour sequence must not be split between two writes.
pub fn stream(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Error> {
    stream_with(write, true)
}

/// [`stream`] for text that escapes every control character itself (JSON as
/// `render::json` writes it): written as it is, not scanned again.
pub fn stream_escaped(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Error> {
    stream_with(write, false)
}

fn stream_with(
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    scan: bool,
) -> Result<(), Error> {
    let captured = CAPTURED.with(|c| c.borrow().is_some());
    let written = if captured {
        let mut safe = Safe::new(Vec::new(), scan);
        let written = write(&mut safe).and_then(|()| safe.flush());
        let text = String::from_utf8_lossy(&safe.inner).into_owned();
        CAPTURED.with(|c| c.borrow_mut().as_mut().map(|buffer| buffer.push_str(&text)));
        written
    } else if scan {
        let stdout = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
        let mut safe = Safe::new(stdout, scan);
        write(&mut safe).and_then(|()| safe.flush())
    } else {
        // Text that escapes its own comes in large pieces already.
        let mut stdout = io::stdout().lock();
        write(&mut stdout).and_then(|()| stdout.flush())
    };
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(IoFailure::new(Doing::WritingOutput, e).into()),
    }
}

/// Where a command's output goes: standard output as a stream, or a text being put
/// together (a trace appended to a training summary).
pub enum Sink<'a> {
    Stdout,
    Text(&'a mut String),
}

impl Sink<'_> {
    /// Runs `write` on this destination.
    pub fn write(self, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Error> {
        match self {
            Sink::Stdout => stream(write),
            text @ Sink::Text(_) => text.write_escaped(write),
        }
    }

    /// [`Sink::write`] for text that escapes every control character itself.
    pub fn write_escaped(
        self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), Error> {
        match self {
            Sink::Stdout => stream_escaped(write),
            Sink::Text(text) => {
                let mut bytes = Vec::new();
                write(&mut bytes).expect("writing to memory");
                text.push_str(&String::from_utf8(bytes).expect("output is UTF-8"));
                Ok(())
            }
        }
    }
}

/// A writer that passes on each piece made terminal-safe; a character split between two
/// pieces waits for its end.
struct Safe<W: Write> {
    inner: W,
    /// Whether pieces are scanned at all (not for text that escapes its own).
    scan: bool,
    /// The start of a character whose end has not been written yet.
    pending: Vec<u8>,
}

impl<W: Write> Safe<W> {
    fn new(inner: W, scan: bool) -> Self {
        Safe {
            inner,
            scan,
            pending: Vec::new(),
        }
    }

    /// Passes `bytes` on. A piece with no control character in it (the common case)
    /// goes as it is, even when it ends inside a character; the only control characters
    /// that take more than a byte, U+0080 to U+009F, start with 0xC2.
    fn pass(&mut self, bytes: &[u8]) -> io::Result<()> {
        if !self.scan || !may_hold_control(bytes) {
            return self.inner.write_all(bytes);
        }
        // The end of a character the last piece began goes first, as it is.
        let tail = bytes
            .iter()
            .take_while(|&&b| (0x80..0xc0).contains(&b))
            .count();
        self.inner.write_all(&bytes[..tail])?;
        let bytes = &bytes[tail..];
        match std::str::from_utf8(bytes) {
            Ok(text) => self
                .inner
                .write_all(crate::text::terminal_safe(text).as_bytes()),
            Err(e) if e.error_len().is_none() => {
                let (whole, rest) = bytes.split_at(e.valid_up_to());
                self.pass(whole)?;
                self.pending.extend_from_slice(rest);
                Ok(())
            }
            Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        }
    }
}

/// Whether `bytes` may hold a control character other than a newline or a tab: a byte
/// below 0x20, DEL, or 0xC2 followed by 0x80–0x9F (U+0080–U+009F) or ending the piece.
fn may_hold_control(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\n' | b'\t' => false,
        0..0x20 | 0x7f => true,
        0xc2 => bytes
            .get(i + 1)
            .is_none_or(|next| (0x80..0xa0).contains(next)),
        _ => false,
    })
}

impl<W: Write> Write for Safe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            self.pass(buf)?;
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(buf);
            self.pass(&joined)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "output ends inside a character",
            ));
        }
        self.inner.flush()
    }
}

/// Writes `text` to the file `path` (`-`: standard output).
pub(crate) fn to_file(path: &str, text: &str) -> Result<(), Error> {
    if path == "-" {
        return to_stdout(text);
    }
    bytes_to_file(path, text.as_bytes())
}

/// Writes `bytes` to the file `path` the same way (a zip, not text: no standard output).
pub(crate) fn bytes_to_file(path: &str, text: &[u8]) -> Result<(), Error> {
    let fail = |e: io::Error| Error::from(IoFailure::new(Doing::Writing(path.to_string()), e));
    let target = through_links(Path::new(path)).map_err(fail)?;
    match fs::metadata(&target) {
        Ok(meta) if !meta.is_file() => directly(&target, text).map_err(fail),
        Ok(meta) => replace(&target, text, Some(meta.permissions())).map_err(fail),
        Err(e) if e.kind() == io::ErrorKind::NotFound => replace(&target, text, None).map_err(fail),
        Err(e) => Err(fail(e)),
    }
}

/// The path a chain of symlinks ends at (the path itself when it is no link).
fn through_links(path: &Path) -> io::Result<PathBuf> {
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let to = fs::read_link(&at)?;
                at = match at.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(at),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// A device, a pipe or a FIFO: opened and written as it is.
fn directly(target: &Path, text: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).open(target)?;
    file.write_all(text)?;
    file.flush()
}

/// A regular file or none yet: a temporary file beside it, synced, then renamed over it.
fn replace(target: &Path, text: &[u8], permissions: Option<fs::Permissions>) -> io::Result<()> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::other("not a file name"))?
        .to_string_lossy()
        .into_owned();
    let (temp, mut file) = temporary(&dir, &name)?;
    let written = (|| {
        file.write_all(text)?;
        if let Some(p) = permissions {
            file.set_permissions(p)?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, target)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

/// A new file `.NAME.PID.N.tmp` in `dir`, never an existing one.
fn temporary(dir: &Path, name: &str) -> io::Result<(PathBuf, fs::File)> {
    let mut n = 0;
    loop {
        let temp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("nntrace-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_new_file_and_a_replaced_file_are_whole_and_leave_no_temporary() {
        let dir = folder("plain");
        let file = dir.join("out.svg");
        to_file(file.to_str().unwrap(), "first").unwrap();
        to_file(file.to_str().unwrap(), "second").unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "second");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
    }

    #[test]
    fn a_symlink_is_written_through_and_stays_a_link() {
        let dir = folder("link");
        let real = dir.join("real.svg");
        fs::write(&real, "old").unwrap();
        let link = dir.join("link.svg");
        std::os::unix::fs::symlink("real.svg", &link).unwrap();
        to_file(link.to_str().unwrap(), "new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        let dangling = dir.join("dangling.svg");
        std::os::unix::fs::symlink("made.svg", &dangling).unwrap();
        to_file(dangling.to_str().unwrap(), "made").unwrap();
        assert_eq!(fs::read_to_string(dir.join("made.svg")).unwrap(), "made");
    }

    #[test]
    fn a_full_device_is_reported() {
        let err = to_file("/dev/full", "x").unwrap_err().to_string();
        assert_eq!(
            err,
            "cannot write /dev/full: No space left on device (os error 28)"
        );
        to_file("/dev/null", "x").unwrap();
        assert!(
            fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }

    use std::os::unix::fs::FileTypeExt;
}
