//! Reading a regular file's JSON lines by ranges, each on the worker that decides its
//! lines (issue 6). With one reading thread copying blocks for the workers, every job
//! held a buffer, so blocks stayed small (256 KiB: eight in flight), and each block's
//! records made a partial result of their own (a `stats` table, say) to merge; the
//! reading thread also decided blocks while it waited, and the workers then waited for
//! its next read. Here a job is just a range: a worker reads it into its own reused
//! buffer with positioned reads, so ranges can be larger at no cost in memory (one
//! buffer per worker), and the calling thread only applies the results in order.
//! Measured in docs/PERFORMANCE.md, "Round 8".
//!
//! The file is cut into ranges of [`RANGE_BYTES`]; a range owns the lines that *start*
//! in it. Its worker reads one byte before the range (to tell whether a line starts at
//! its first byte) and, past its end, the rest of its last line. So every line is decided
//! exactly once, by the range it starts in, whatever the ranges' length: the tests
//! compare every outcome with the streaming reader's at many lengths.

use std::io;

/// A source that several threads read at any offset at once: a regular file through
/// positioned reads (`pread`), or bytes in memory for the tests.
pub(crate) trait ReadAt: Sync {
    /// Read into `buf` from `offset`: the bytes read, 0 at the end.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

#[cfg(unix)]
impl ReadAt for std::fs::File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
}

/// `file` as a [`ReadAt`] where positioned reads leave the file's position alone.
#[cfg(unix)]
pub(crate) fn positioned(file: &std::fs::File) -> Option<&dyn ReadAt> {
    Some(file)
}

/// Elsewhere (Windows' `seek_read` moves the position): files are read as streams.
#[cfg(not(unix))]
pub(crate) fn positioned(_: &std::fs::File) -> Option<&dyn ReadAt> {
    None
}

#[cfg(test)]
impl ReadAt for &[u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// The length of a range: four times the streaming reader's blocks, so a quarter of
/// the partial results to merge. With the calling thread only applying results, W3 and
/// W4 were 15–20% faster on two cores; 2 MiB gained nothing more, 256 KiB ranges only
/// 5% (docs/PERFORMANCE.md, "Round 8").
pub(crate) const RANGE_BYTES: u64 = 1 << 20;

/// The longest range `ReadOptions::range_bytes` may ask for: each worker holds one in
/// memory.
pub(crate) const MAX_RANGE_BYTES: u64 = 64 << 20;

/// One range of a file for a worker: the lines starting in `from..to`.
#[derive(Clone, Copy)]
pub(crate) struct Range<'f> {
    pub source: &'f dyn ReadAt,
    /// Where the first line of the file starts (after a byte order mark): a line starts
    /// at `from` when `from == data`.
    pub data: u64,
    /// The file's length when it was opened. Every worker reads this view: a file that
    /// grows while it is read is read to this length, as one reading thread reading to
    /// its end would have read it at about that time.
    pub len: u64,
    pub from: u64,
    pub to: u64,
}

/// What a worker read for a [`Range`].
pub(crate) struct Lines {
    /// `buf[start..end]`: the range's whole lines (the last perhaps without a newline at
    /// the end of the file).
    pub start: usize,
    pub end: usize,
    /// The range's last line is longer than the cap: only its first `cap + 2` bytes were
    /// read, and it is a skipped record after the others.
    pub overlong: bool,
    /// Bytes of the range itself that were read (the report's byte count).
    pub bytes: u64,
    /// A read error, after the whole lines before it; whether the bytes read before it
    /// held more than whitespace after those lines (a partial record). An error in the
    /// range's own bytes ends the input at the range's start (the lines before it are
    /// the earlier ranges'); one past its end, at the start of its last line.
    pub failed: Option<(io::Error, bool)>,
}

/// Fill `buf` from `offset`: the bytes read, short only at the end of the source.
pub(crate) fn fill(source: &dyn ReadAt, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match source.read_at(&mut buf[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// How much of its last line a worker reads past its range at a time: a CloudTrail line
/// is a few KiB, so usually one read, and the next range reads those bytes again
/// (doubling for longer lines keeps the reads few).
const FIRST_CONTINUATION: usize = 4 << 10;

/// Read `range`'s lines into `buf` (reused; grown as needed). `cap`: the longest line
/// accepted.
pub(crate) fn read(range: Range<'_>, cap: usize, buf: &mut Vec<u8>) -> Lines {
    // One byte before the range tells whether a line starts at its first byte.
    let before = u64::from(range.from > range.data);
    let at = range.from - before;
    // At most a range and one byte (ranges are at most [`MAX_RANGE_BYTES`]).
    let want = (range.to - at) as usize;
    if buf.len() < want {
        buf.resize(want, 0);
    }
    let got = match fill(range.source, &mut buf[..want], at) {
        Ok(n) => n,
        Err(e) => {
            return Lines {
                start: 0,
                end: 0,
                overlong: false,
                bytes: 0,
                failed: Some((e, false)),
            }
        }
    };
    let bytes = (got as u64).saturating_sub(before);
    // The first line starting in the range: after the first newline from the byte
    // before it, or at its start for the file's first range.
    let start = if before == 0 {
        0
    } else {
        memchr::memchr(b'\n', &buf[..got]).map_or(got, |p| p + 1)
    };
    let nothing = Lines {
        start,
        end: start,
        overlong: false,
        bytes,
        failed: None,
    };
    if start >= got {
        // No line starts in this range (it lies inside a longer line), or the file
        // ends before it.
        return nothing;
    }
    let short = got < want; // the file ended inside the range
    if short || buf[got - 1] == b'\n' {
        return Lines {
            end: got,
            ..nothing
        };
    }
    // The range's last line goes on past its end: read the rest of it.
    let last = memchr::memrchr(b'\n', &buf[start..got]).map_or(start, |p| start + p + 1);
    let mut filled = got;
    let mut step = FIRST_CONTINUATION;
    loop {
        if filled - last > cap.saturating_add(1) {
            // Longer than the cap even without a `\r`: skipped, unread past here.
            return Lines {
                end: last,
                overlong: true,
                ..nothing
            };
        }
        let offset = at + filled as u64;
        // Never more than `cap + 2` bytes of the line: enough to know it is too long.
        let room = usize::try_from(range.len.saturating_sub(offset))
            .unwrap_or(usize::MAX)
            .min(step)
            .min(cap.saturating_add(2) - (filled - last));
        if room == 0 {
            // The end of the file: the last line has no newline.
            return Lines {
                end: filled,
                ..nothing
            };
        }
        if buf.len() < filled + room {
            buf.resize(filled + room, 0);
        }
        let n = match fill(range.source, &mut buf[filled..filled + room], offset) {
            Ok(n) => n,
            Err(e) => {
                let partial = !buf[last..filled].iter().all(u8::is_ascii_whitespace);
                return Lines {
                    end: last,
                    failed: Some((e, partial)),
                    ..nothing
                };
            }
        };
        if let Some(p) = memchr::memchr(b'\n', &buf[filled..filled + n]) {
            return Lines {
                end: filled + p + 1,
                ..nothing
            };
        }
        filled += n;
        if n < room {
            // The file is shorter than when it was opened: its end is here.
            return Lines {
                end: filled,
                ..nothing
            };
        }
        step = step.saturating_mul(2);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::*;
    use super::{Range, ReadAt};

    type Outcome = (Vec<Event>, ReadReport, Result<(), ReadError>);

    /// `len` bytes of `source` read by ranges of `chunk` bytes (`None`: not JSON lines),
    /// reported as `read_stream` reports the stream `-`.
    pub(crate) fn read_by_ranges(
        source: &dyn ReadAt,
        len: u64,
        options: &ReadOptions,
        chunk: u64,
    ) -> Option<Outcome> {
        let mut events = Vec::new();
        let mut report = ReadReport {
            files: 1,
            ..ReadReport::default()
        };
        let map = |e: Event| e;
        let fold = MapEach(&map);
        let mut sink = |items: Vec<Event>| events.extend(items);
        let mut ctx = Ctx {
            source: "-",
            path: None,
            options,
            report: &mut report,
            fold: &fold,
            local: (),
            sink: &mut sink,
            scratch: Scratch::default(),
        };
        let result = ctx.read_ranges(source, len, chunk)?;
        Some((events, report, result))
    }

    /// What the streaming reader's `expected` says, read by ranges of many lengths
    /// (from one byte, so every line straddles ranges) with 1, 2 and 3 workers. Bytes
    /// read before a `strict` stop are not compared: the stream reads ahead.
    pub(crate) fn same_by_ranges(bytes: &[u8], options: &ReadOptions, expected: &Outcome) {
        let normal = |(events, mut report, result): Outcome| {
            if result.is_err() {
                report.bytes = 0;
            }
            (events, report, result)
        };
        let expected = normal(expected.clone());
        // Down to one byte for short inputs; at most ~4,000 ranges for long ones.
        let len = bytes.len() as u64;
        let chunks = [1, 2, 3, 7, 64, 1000, super::RANGE_BYTES]
            .into_iter()
            .filter(|&c| c * 4000 >= len)
            .chain([len / 997 + 1, len / 13 + 1]);
        for chunk in chunks {
            for threads in [1, 3] {
                let options = ReadOptions {
                    threads,
                    ..options.clone()
                };
                let Some(got) = read_by_ranges(&bytes, bytes.len() as u64, &options, chunk) else {
                    return; // not JSON lines: read as a stream
                };
                assert_eq!(
                    normal(got),
                    expected,
                    "ranges of {chunk} bytes, {threads} workers"
                );
            }
        }
    }

    /// A deterministic mix of lines for the comparisons: records of many lengths, CRLF,
    /// blank and whitespace lines, malformed lines, non-objects, invalid UTF-8,
    /// non-ASCII, and lines just under, at and over a cap of 60 bytes.
    fn mixed_lines(seed: u64, lines: usize) -> Vec<u8> {
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = |n: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        let mut out = b"{\"first\":1}\n".to_vec();
        for i in 0..lines {
            let pad = "y".repeat(next(90) as usize);
            let line: Vec<u8> = match next(12) {
                0 => Vec::new(),
                1 => b"   \t ".to_vec(),
                2 => b"{\"broken\":".to_vec(),
                3 => b"[1,2]".to_vec(),
                4 => b"{\"bad\":\"\xff\"}".to_vec(),
                5 => "{\"é\":\"中\"}".as_bytes().to_vec(),
                // 53 + 0..=8 bytes: around the cap of 60.
                6 => format!(
                    "{{\"n\":{i:08},\"pad\":\"{}\"}}",
                    "z".repeat(next(9) as usize + 30)
                )
                .into_bytes(),
                7 => " ".repeat(next(130) as usize).into_bytes(),
                _ => format!("{{\"n\":{i},\"pad\":\"{pad}\"}}").into_bytes(),
            };
            out.extend_from_slice(&line);
            out.extend_from_slice(if next(4) == 0 { b"\r\n" } else { b"\n" });
        }
        if next(2) == 0 {
            out.extend_from_slice(b"{\"last\":\"no newline\"}");
        }
        out
    }

    #[test]
    fn ranges_read_every_line_once_as_the_stream_does() {
        for seed in 0..12 {
            let text = mixed_lines(seed, 60);
            for cap in [0, 60] {
                for strict in [false, true] {
                    let options = ReadOptions {
                        max_line_bytes: cap,
                        strict,
                        ..ReadOptions::default()
                    };
                    let mut report = ReadReport::default();
                    let mut events = Vec::new();
                    let result =
                        read_stream("-", &mut &text[..], &options, &mut report, &mut |e| {
                            events.push(e)
                        });
                    let expected = (events, report, result);
                    assert!(expected.1.records > 0);
                    // (JSON lines, so compared, not left to the stream.)
                    assert!(read_by_ranges(&&text[..], text.len() as u64, &options, 64).is_some());
                    same_by_ranges(&text, &options, &expected);
                }
            }
        }
        // With a byte order mark too.
        let mut text = b"\xEF\xBB\xBF".to_vec();
        text.extend(mixed_lines(99, 40));
        let options = ReadOptions::default();
        let mut report = ReadReport::default();
        let mut events = Vec::new();
        let result = read_stream("-", &mut &text[..], &options, &mut report, &mut |e| {
            events.push(e)
        });
        same_by_ranges(&text, &options, &(events, report, result));
    }

    #[test]
    fn only_json_lines_are_read_by_ranges() {
        let options = ReadOptions::default();
        for text in [
            &b"[{\"a\":1}]"[..],
            b"{\"Records\":[{\"a\":1}]}",
            b"{\n  \"a\": 1\n}\n",
            b"\x1f\x8b\x08\x00",
            b"",
            b"  \n ",
        ] {
            let read = read_by_ranges(&text, text.len() as u64, &options, 4);
            assert!(read.is_none(), "{}", String::from_utf8_lossy(text));
        }
        let lines = b"{\"a\":1}\n{\"a\":2}\n";
        let (events, report, result) =
            read_by_ranges(&&lines[..], lines.len() as u64, &options, 4).expect("JSON lines");
        assert!(result.is_ok());
        assert_eq!((events.len(), report.records, report.bytes), (2, 2, 16));
    }

    /// Bytes whose reads fail once they reach `from`.
    struct FailsFrom<'a>(&'a [u8], u64);

    impl ReadAt for FailsFrom<'_> {
        fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
            if offset + buf.len() as u64 > self.1 {
                return Err(io::Error::other("disk on fire"));
            }
            (&self.0).read_at(buf, offset)
        }
    }

    #[test]
    fn a_read_error_ends_the_input_after_whole_lines_before_it() {
        // About 20 KB, so that errors past the 4 KiB read first (format detection) fall
        // in ranges and in the rest of a range's last line.
        let lines: Vec<String> = (0..2000).map(|i| format!("{{\"n\":{i}}}")).collect();
        let text = lines.join("\n") + "\n";
        let ends: Vec<usize> = text.match_indices('\n').map(|(p, _)| p + 1).collect();
        for chunk in [16u64, 100, 1000, 7000] {
            for fail_at in [100u64, 5000, 9001, 15000] {
                for strict in [false, true] {
                    let options = ReadOptions {
                        strict,
                        threads: 2,
                        ..ReadOptions::default()
                    };
                    let source = FailsFrom(text.as_bytes(), fail_at);
                    let read = read_by_ranges(&source, text.len() as u64, &options, chunk);
                    if fail_at < PEEK_BYTES as u64 {
                        // The first read failed: left to the stream, which reports it.
                        assert!(read.is_none());
                        continue;
                    }
                    let (events, report, result) = read.expect("JSON lines");
                    let label = format!("ranges of {chunk}, failing at {fail_at}");
                    // Whole lines, in order, all before the failure; and at least those
                    // before the range (or the last line's continuation) that failed.
                    let kept = events.len();
                    assert_eq!(raws(&events), lines[..kept], "{label}");
                    assert!(ends[..kept].iter().all(|&e| e as u64 <= fail_at), "{label}");
                    let floor = fail_at.saturating_sub(chunk + super::FIRST_CONTINUATION as u64);
                    assert!(
                        kept >= ends.iter().filter(|&&e| e as u64 <= floor).count(),
                        "{label}"
                    );
                    assert_eq!(report.failed_files, 1, "{label}");
                    let message = format!("read error after line {kept}: disk on fire");
                    match result {
                        Err(e) => {
                            assert!(strict, "{label}");
                            assert!(e.message.contains(&message), "{label}: {e}");
                        }
                        Ok(()) => assert_eq!(report.problems[0].message, message, "{label}"),
                    }
                }
            }
        }
    }

    fn raws(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                Event::Raw { raw, .. } => raw.clone(),
                other => panic!("not a raw event: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_file_that_changes_length_while_read_is_read_as_it_is_found() {
        let text = b"{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n{\"d\":4}\n";
        let options = ReadOptions {
            threads: 2,
            ..ReadOptions::default()
        };
        for chunk in [1, 5, 9, 100] {
            // Shorter than when opened: it ends where it ends (the cut line is its last).
            let (events, report, result) =
                read_by_ranges(&&text[..20], text.len() as u64, &options, chunk).expect("lines");
            assert!(result.is_ok());
            assert_eq!(raws(&events), ["{\"a\":1}", "{\"b\":2}"], "chunk {chunk}");
            assert_eq!((report.records, report.skipped), (3, 1), "chunk {chunk}");
            // Longer: read to the length it had.
            let (events, _, _) = read_by_ranges(&&text[..], 24, &options, chunk).expect("lines");
            assert_eq!(raws(&events).len(), 3, "chunk {chunk}");
        }
    }

    #[test]
    fn a_range_reads_its_own_lines_and_the_rest_of_its_last() {
        let text = b"{\"a\":1}\n{\"b\":22}\n{\"c\":333}";
        let mut buf = Vec::new();
        let bytes = &text[..];
        let range = |from, to| Range {
            source: &bytes,
            data: 0,
            len: text.len() as u64,
            from,
            to,
        };
        let lines = |r: Range<'_>, buf: &mut Vec<u8>| {
            let got = super::read(r, 100, buf);
            assert!(got.failed.is_none() && !got.overlong);
            String::from_utf8(buf[got.start..got.end].to_vec()).expect("text")
        };
        // The first range starts a line; its last line goes on past its end.
        assert_eq!(lines(range(0, 3), &mut buf), "{\"a\":1}\n");
        // Inside a line: nothing starts here.
        assert_eq!(lines(range(3, 6), &mut buf), "");
        // The byte before says a line starts at 8.
        assert_eq!(lines(range(8, 9), &mut buf), "{\"b\":22}\n");
        // The last line has no newline: it ends at the end of the file.
        assert_eq!(lines(range(7, 30), &mut buf), "{\"b\":22}\n{\"c\":333}");
        // Longer than the cap: only its first cap + 2 bytes are read.
        let got = super::read(range(8, 9), 3, &mut buf);
        assert!(got.overlong);
        assert_eq!(got.start, got.end);
        // A range ending between a `\r` and its `\n`: the line is one byte over the cap
        // with its `\r`, at the cap without it, so it is read whole (and kept).
        let crlf = b"{\"b\":22}\r\n{}";
        let bytes = &crlf[..];
        let r = Range {
            source: &bytes,
            data: 0,
            len: crlf.len() as u64,
            from: 0,
            to: 9,
        };
        let got = super::read(r, 8, &mut buf);
        assert!(!got.overlong);
        assert_eq!(&buf[got.start..got.end], b"{\"b\":22}\r\n");
    }
}
