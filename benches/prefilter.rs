//! The required-literal prefilter alone (issue 6: ≥ 10 GB/s for rejecting a typical
//! CloudTrail event whose rarest literal is absent), over lines of `minispl::generate`
//! output, in bytes/s:
//!
//!     cargo bench --bench prefilter
//!     MINISPL_BENCH_RECORDS=100000 cargo bench --bench prefilter
//!
//! `new/...` is `Prefilter::may_match` as shipped: the four shipped detections' prefilters
//! each alone, and all four sharing one `Scratch` per event as `Engine::run_detections`
//! does. `old/...` is the algorithm it replaced, kept here as the baseline: a lower-cased
//! copy of every event searched with `memmem`, the whole text unescaped when an event
//! with a backslash fails. `reject-one-event` is one typical event (1–2 KB, no ECR
//! literal) rejected over and over.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use memchr::memmem;
use minispl::eval::prefilter::{unescape_json, Prefilter, Scratch};
use minispl::generate::{generate, GeneratorConfig};
use minispl::rules::Engine;
use std::hint::black_box;

fn records() -> u64 {
    std::env::var("MINISPL_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn input() -> String {
    let mut buf = Vec::new();
    let config = GeneratorConfig {
        records: records(),
        ..Default::default()
    };
    generate(&config, &mut buf).expect("writing to memory cannot fail");
    String::from_utf8(buf).expect("the generator writes UTF-8")
}

/// The shipped detections' prefilters, with short names.
fn prefilters() -> Vec<(String, Prefilter)> {
    let engine = Engine::builtin().expect("built-in engine");
    Engine::builtin_detections()
        .iter()
        .map(|d| {
            let search = engine
                .compile_detection(d)
                .expect("shipped detections compile");
            let name = d.name.replace("AWS ECR Container ", "").replace(' ', "-");
            (name, search.program().prefilter().clone())
        })
        .collect()
}

/// The prefilter before issue 6's rewrite, from the public formula and literals.
struct Old<'a> {
    p: &'a Prefilter,
    finders: Vec<memmem::Finder<'static>>,
}

#[derive(Default)]
struct OldScratch {
    lower: Vec<u8>,
    memo: Vec<(usize, usize, bool)>,
    memo_text: String,
}

impl<'a> Old<'a> {
    fn new(p: &'a Prefilter) -> Old<'a> {
        let finders = p
            .literals()
            .iter()
            .map(|l| memmem::Finder::new(l.as_bytes()).into_owned())
            .collect();
        Old { p, finders }
    }

    fn load(s: &mut OldScratch, raw: &str) {
        s.lower.clear();
        s.lower.extend(raw.bytes().map(|b| b.to_ascii_lowercase()));
        s.memo.clear();
        s.memo_text.clear();
    }

    fn may_match_loaded(&self, raw: &str, s: &mut OldScratch) -> bool {
        if self.p.is_trivial() {
            return true;
        }
        let mut test = |i: usize| {
            let text = &self.p.literals()[i];
            let memo_text = &s.memo_text;
            if let Some((_, _, hit)) = s
                .memo
                .iter()
                .find(|(a, b, _)| &memo_text[*a..*b] == text.as_str())
            {
                return *hit;
            }
            let hit = self.finders[i].find(&s.lower).is_some();
            let start = s.memo_text.len();
            s.memo_text.push_str(text);
            s.memo.push((start, s.memo_text.len(), hit));
            hit
        };
        if self.p.formula().holds(&mut test) {
            return true;
        }
        let bytes = raw.as_bytes();
        if !raw.is_ascii() && confusable(bytes) {
            return true;
        }
        if memchr::memchr(b'\\', bytes).is_none() {
            return false;
        }
        match unescape_json(raw) {
            Some(text) if text.is_ascii() || !confusable(text.as_bytes()) => {
                let unescaped = text.to_ascii_lowercase();
                self.p.formula().holds(&mut |i| {
                    self.finders[i].find(&s.lower).is_some()
                        || self.finders[i].find(unescaped.as_bytes()).is_some()
                })
            }
            _ => true,
        }
    }
}

fn confusable(b: &[u8]) -> bool {
    [&b"\xE2\x84\xAA"[..], b"\xC5\xBF", b"\xC4\xB0"]
        .iter()
        .any(|n| memmem::find(b, n).is_some())
}

fn prefilter(c: &mut Criterion) {
    let text = input();
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let ps = prefilters();
    let olds: Vec<Old> = ps.iter().map(|(_, p)| Old::new(p)).collect();

    // Old and new must agree on every line, or the comparison means nothing.
    let (mut scratch, mut old_scratch) = (Scratch::default(), OldScratch::default());
    let mut kept = 0;
    for line in &lines {
        scratch.load(line);
        Old::load(&mut old_scratch, line);
        for ((name, p), old) in ps.iter().zip(&olds) {
            let new = p.may_match_loaded(line, &mut scratch);
            assert_eq!(new, old.may_match_loaded(line, &mut old_scratch), "{name}");
            kept += usize::from(new);
        }
    }
    eprintln!(
        "prefilter bench: {} lines, {} bytes; {kept} (line, detection) pairs kept",
        lines.len(),
        text.len()
    );

    let mut group = c.benchmark_group("prefilter");
    group.throughput(Throughput::Bytes(text.len() as u64));
    for ((name, p), old) in ps.iter().zip(&olds) {
        group.bench_function(format!("new/{name}"), |b| {
            let mut s = Scratch::default();
            b.iter(|| lines.iter().filter(|l| p.may_match(l, &mut s)).count())
        });
        group.bench_function(format!("old/{name}"), |b| {
            let mut s = OldScratch::default();
            b.iter(|| {
                lines
                    .iter()
                    .filter(|l| {
                        Old::load(&mut s, l);
                        old.may_match_loaded(l, &mut s)
                    })
                    .count()
            })
        });
    }
    group.bench_function("new/all-four-one-scratch", |b| {
        let mut s = Scratch::default();
        b.iter(|| {
            let mut n = 0;
            for l in &lines {
                s.load(l);
                for (_, p) in &ps {
                    n += usize::from(p.may_match_loaded(l, &mut s));
                }
            }
            n
        })
    });
    group.bench_function("old/all-four-one-scratch", |b| {
        let mut s = OldScratch::default();
        b.iter(|| {
            let mut n = 0;
            for l in &lines {
                Old::load(&mut s, l);
                for old in &olds {
                    n += usize::from(old.may_match_loaded(l, &mut s));
                }
            }
            n
        })
    });
    group.finish();

    // One typical event, 1–2 KB, that the first detection rejects.
    let (_, first) = &ps[0];
    let event = lines
        .iter()
        .find(|l| (1024..2048).contains(&l.len()) && !first.may_match(l, &mut Scratch::default()))
        .expect("a typical non-ECR event");
    let mut group = c.benchmark_group("prefilter-reject-one-event");
    group.throughput(Throughput::Bytes(event.len() as u64));
    group.bench_function("new", |b| {
        let mut s = Scratch::default();
        b.iter(|| first.may_match(black_box(event), &mut s))
    });
    group.bench_function("old", |b| {
        let (old, mut s) = (Old::new(first), OldScratch::default());
        b.iter(|| {
            Old::load(&mut s, black_box(event));
            old.may_match_loaded(event, &mut s)
        })
    });
    group.finish();
}

criterion_group!(benches, prefilter);
criterion_main!(benches);
