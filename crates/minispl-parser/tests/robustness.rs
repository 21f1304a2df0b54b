//! No input makes the parser panic or overflow the stack: very long searches, deep
//! nesting, and a deterministic pseudo-random mutation loop over the corpus searches.

mod common;

use minispl_parser::{parse, parse_eval_expr, parse_search_expr, Macros};

fn macros() -> common::FixtureMacros {
    let mut m = common::conformance_macros();
    m.insert(common::def("cloudtrail", &[], "sourcetype=aws:cloudtrail"));
    m.insert(common::def("aws_ecr_users", &[], "userName IN (user)"));
    common::FixtureMacros::with(m)
}

#[test]
fn a_search_with_100k_terms_parses() {
    let text: String = (0..100_000).map(|i| format!("f{i}=v{i} ")).collect();
    let p = parse(&text, &Macros::new()).expect("parses");
    match &p.commands[0] {
        minispl_parser::ast::Command::Search(s) => match &s.expr {
            Some(minispl_parser::ast::SearchExpr::And(v)) => assert_eq!(v.len(), 100_000),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_pipeline_with_20k_commands_parses() {
    let text = format!("a{}", " | search b".repeat(20_000));
    let p = parse(&text, &Macros::new()).expect("parses");
    assert_eq!(p.commands.len(), 20_001);
}

#[test]
fn eval_operator_chains_are_limited() {
    // 250 operators (MAX_EXPR_OPERATORS) parse, 251 do not.
    let text = format!("| eval x={}", vec!["1"; 251].join(" + "));
    assert!(parse(&text, &Macros::new()).is_ok());
    let text = format!("| eval x={}", vec!["1"; 252].join(" + "));
    assert!(parse(&text, &Macros::new()).is_err());
    let text = format!("| eval x={}", vec!["1"; 200].join(" + "));
    assert!(parse(&text, &Macros::new()).is_ok());
    let text = format!("| eval x={}", vec!["1"; 10_000].join(" + "));
    let err = parse(&text, &Macros::new()).unwrap_err();
    assert!(err.message.contains("too long"), "{}", err.message);
    // The limit is per expression, not per command.
    let text = format!(
        "| eval {}",
        vec![format!("x={}", vec!["1"; 240].join("+")); 5].join(", ")
    );
    assert!(parse(&text, &Macros::new()).is_ok());
}

#[test]
fn ten_thousand_nested_parentheses_are_an_error_not_a_crash() {
    let deep = format!("{}a=1{}", "(".repeat(10_000), ")".repeat(10_000));
    let err = parse(&deep, &Macros::new()).unwrap_err();
    assert!(err.message.contains("nesting"), "{}", err.message);
    assert!(parse_search_expr(&deep).is_err());
    let deep_eval = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(parse_eval_expr(&deep_eval).is_err());
    assert!(parse(&format!("| eval x={deep_eval}"), &Macros::new()).is_err());
    assert!(parse(
        &format!("| where {}", "NOT ".repeat(10_000) + "x"),
        &Macros::new()
    )
    .is_err());
    assert!(parse(
        &format!("search {}a", "NOT ".repeat(10_000)),
        &Macros::new()
    )
    .is_err());
    assert!(parse(&format!("| eval x={}1", "-".repeat(10_000)), &Macros::new()).is_err());
    let subsearches = format!("a {}", "| append [ a ".repeat(5_000) + &"]".repeat(5_000));
    assert!(parse(&subsearches, &Macros::new()).is_err());
    let f = format!("| eval x={}1{}", "f(".repeat(10_000), ")".repeat(10_000));
    assert!(parse(&f, &Macros::new()).is_err());
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "|",
    "\"",
    "(",
    ")",
    "[",
    "]",
    "`",
    "```",
    "=",
    "!=",
    "<=",
    ",",
    " AND ",
    " OR ",
    " NOT ",
    " IN ",
    "\\",
    "'",
    "{",
    "}",
    "$",
    "eval(",
    "count(",
    " by ",
    " AS ",
    "é",
    "\n",
    "*",
    "-",
    ".",
    "`cloudtrail`",
    "`f(1)`",
];

#[test]
fn mutated_corpus_searches_never_panic() {
    let dir = common::workspace_root().join("corpus/searches");
    let mut seeds: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read"))
        .collect();
    seeds.push("| tstats count FROM datamodel=A.B where x IN (1,2) by y span=1h | join [| inputlookup t where a=1]".into());
    seeds.push("| eval a=if(x>1, \"y\", 'z.w'), {n}=mvindex(split(p, \"\\\\\"), -1) | where a LIKE \"%q\" OR b IN (\"c\")".into());
    seeds.push("| rex field=_raw max_match=0 \"(?<ip>\\d+)\" | sort 0 -num(n), str(m) | dedup 2 u sortby -x | head (x<3)".into());
    let macros = macros();
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let mut ok = 0usize;
    for round in 0..3_000 {
        let base = &seeds[round % seeds.len()];
        let mut chars: Vec<char> = base.chars().collect();
        for _ in 0..=rng.below(4) {
            let at = rng.below(chars.len() + 1);
            match rng.below(3) {
                0 if !chars.is_empty() => {
                    let end = (at + rng.below(8)).min(chars.len());
                    chars.drain(at.min(end)..end);
                }
                1 => {
                    let piece = PIECES[rng.below(PIECES.len())];
                    for (i, ch) in piece.chars().enumerate() {
                        chars.insert((at + i).min(chars.len()), ch);
                    }
                }
                _ => {
                    if !chars.is_empty() {
                        let a = rng.below(chars.len());
                        let b = rng.below(chars.len());
                        chars.swap(a, b);
                    }
                }
            }
        }
        let text: String = chars.into_iter().collect();
        // Ok or Err, never a panic; an Err always renders.
        match parse(&text, &macros) {
            Ok(p) => {
                ok += 1;
                let printed = minispl_parser::print::pipeline(&p);
                let again = parse(&printed, &Macros::new()).unwrap_or_else(|e| {
                    panic!("printed form of {text:?} fails:\n{printed}\n{}", e.render())
                });
                assert_eq!(
                    common::without_spans(&p),
                    common::without_spans(&again),
                    "round trip of {text:?} via {printed:?}"
                );
            }
            Err(e) => {
                let _ = e.render();
            }
        }
        let _ = parse_eval_expr(&text);
        let _ = parse_search_expr(&text);
    }
    eprintln!("{ok} mutants parsed");
    assert!(
        ok > 100,
        "only {ok} mutants parsed: the mutations are too destructive to test much"
    );
}

#[test]
fn long_operator_chains_print_and_drop_without_overflow() {
    let text = format!("| eval x={}", vec!["a"; 100_000].join(" + "));
    match parse(&text, &Macros::new()) {
        Ok(p) => {
            let printed = minispl_parser::print::pipeline(&p);
            assert!(printed.len() > 100_000);
        }
        Err(e) => assert!(e.message.contains("too long"), "{}", e.message),
    }
}

#[test]
fn random_garbage_never_panics() {
    const ALPHABET: &[char] = &[
        'a', 'b', 'Z', '0', '9', ' ', '\t', '\n', '|', '"', '\'', '`', '(', ')', '[', ']', '{',
        '}', '=', '!', '<', '>', ',', '.', '*', '-', '+', '/', '%', '\\', '$', '_', ':', 'é', '日',
        '\u{0}',
    ];
    const WORDS: &[&str] = &[
        "search ",
        "eval ",
        "stats ",
        "| tstats ",
        "AND ",
        "OR ",
        "NOT ",
        "IN ",
        "AS ",
        "by ",
        "where ",
        "LIKE ",
        "count(",
        "eval(",
        "rename ",
        "spath ",
        "input=",
        "datamodel=",
        "```",
        "`f(",
        "`m_a1`",
    ];
    let macros = macros();
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    for _ in 0..5_000 {
        let len = rng.below(60);
        let mut s = String::new();
        for _ in 0..len {
            if rng.below(4) == 0 {
                s.push_str(WORDS[rng.below(WORDS.len())]);
            } else {
                s.push(ALPHABET[rng.below(ALPHABET.len())]);
            }
        }
        if let Err(e) = parse(&s, &macros) {
            let r = e.render();
            assert!(r.starts_with("error: "), "{r}");
        }
        let _ = parse_eval_expr(&s);
        let _ = parse_search_expr(&s);
        let _ = minispl_parser::expand_macros(&s, &macros)
            .map(|x| x.origin(minispl_parser::Span::new(0, s.len())));
    }
}
