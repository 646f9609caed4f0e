//! Reading a scenario or answers file from whatever the user named: one function for both,
//! which says what a path is when it is not a file, stops reading at [`MAX_FILE_BYTES`]
//! (a pipe or a growing file cannot make it read more), and places invalid UTF-8.

use crate::error::InputError;
use std::io::Read;
use std::path::Path;

/// Scenario and answers files larger than this are refused, while reading.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Reads `path` (named `label` in messages) as UTF-8 text of at most [`MAX_FILE_BYTES`].
/// Regular files, pipes and FIFOs are read; directories and devices are refused, named.
pub fn read_limited(path: &Path, label: &str) -> Result<String, InputError> {
    let fail = |message: String, help: Option<&str>| InputError {
        file: label.to_string(),
        position: None,
        path: None,
        message,
        help: help.map(str::to_string),
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}"), None))?;
    if let Some(what) = not_a_file(&meta.file_type()) {
        return Err(fail(
            format!("{what}, not a file"),
            Some("give the path of a YAML file"),
        ));
    }
    let pipe = !meta.is_file();
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read: {e}"), None))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read: {e}"), None))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let source = if pipe {
            "a pipe that gave"
        } else {
            "a file of"
        };
        return Err(fail(
            format!("{source} more than {MAX_FILE_BYTES} bytes (16 MiB); larger files are refused"),
            Some("a scenario or answers file is a few kilobytes"),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        let line_start = bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = 1 + String::from_utf8_lossy(&bytes[line_start..at])
            .chars()
            .count();
        InputError {
            position: Some((line, column)),
            ..fail(
                format!("invalid UTF-8 at byte {at}"),
                Some("save the file as UTF-8 text"),
            )
        }
    })
}

/// What a path is when it cannot be a scenario or answers file; None for files and pipes.
fn not_a_file(kind: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        Some("a directory")
    } else if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else if kind.is_socket() {
        Some("a socket")
    } else {
        None
    }
}
