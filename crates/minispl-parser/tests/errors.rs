//! Rendered diagnostics for malformed searches: each snapshot shows the message, the line
//! with a caret under the offending span, what was expected, and for macro errors the
//! invocation chain. Read them: the caret must sit on the right characters.

mod common;

use common::def;
use minispl_parser::{parse, Macros};

fn macros() -> Macros {
    let mut m = Macros::new();
    m.insert(def("cloudtrail", &[], "sourcetype=aws:cloudtrail"));
    m.insert(def(
        "security_content_ctime",
        &["field"],
        "convert timeformat=\"%Y-%m-%dT%H:%M:%S\" ctime($field$)",
    ));
    m.insert(def("cyc_a", &[], "a=1 `cyc_b`"));
    m.insert(def("cyc_b", &[], "b=2 `cyc_a`"));
    for i in 0..80 {
        m.insert(def(&format!("n{i}"), &[], &format!("`n{}`", i + 1)));
    }
    for i in 0..30 {
        m.insert(def(
            &format!("d{i}"),
            &[],
            &format!("`d{}` `d{}`", i + 1, i + 1),
        ));
    }
    m.insert(def("d30", &[], &"x".repeat(64)));
    m.insert(def("bad_stats", &[], "stats cnt(x) by host"));
    m.insert(def("wrapper", &[], "`bad_stats`"));
    m.insert(def("typo_body", &["f"], "search $f$=IN"));
    m
}

fn rendered(input: &str) -> String {
    match parse(input, &macros()) {
        Ok(p) => panic!("expected an error for {input:?}, got {p:?}"),
        Err(e) => {
            assert!(!e.render().is_empty());
            // Display stays one line.
            assert!(!e.to_string().contains('\n'), "{e}");
            e.render()
        }
    }
}

macro_rules! error_snapshot {
    ($name:ident, $input:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), rendered($input), $input);
        }
    };
}

// Quotes, parentheses, brackets.
error_snapshot!(unbalanced_quote, r#"search msg="hello | stats count"#);
error_snapshot!(unbalanced_open_paren, "search (a=1 OR b=2");
error_snapshot!(unbalanced_close_paren, "search a=1 OR b=2)");
error_snapshot!(
    unbalanced_open_bracket,
    "search a | join user [| inputlookup users.csv"
);
error_snapshot!(unbalanced_close_bracket, "search a ] b");
error_snapshot!(empty_parentheses, "search x ()");
error_snapshot!(
    deep_nesting,
    &format!("search {}a{}", "(".repeat(300), ")".repeat(300))
);
error_snapshot!(
    eval_unbalanced_call,
    r#"search a | eval x=if(a>1, "y", "n""#
);
// Dangling operators and keywords.
error_snapshot!(dangling_and, "search a=1 AND");
error_snapshot!(dangling_or_before_pipe, "search a=1 OR | stats count");
error_snapshot!(dangling_not, "search a=1 NOT");
error_snapshot!(leading_or, "search OR a=1");
error_snapshot!(keyword_value_needs_quotes, "search country=IN");
error_snapshot!(in_without_parentheses, "search s IN 40*, 500");
error_snapshot!(missing_value_after_equals, "search user= | stats count");
// Pipeline structure.
error_snapshot!(empty_pipeline_segment, "search a | | stats count");
error_snapshot!(trailing_pipe, "search a |");
error_snapshot!(unknown_command, "search a | frobnicate x");
error_snapshot!(generating_command_not_first, "search a | tstats count");
error_snapshot!(
    multiline_points_at_the_right_line,
    "search a=1\n| stats count by host\n| eval x="
);
// Options.
error_snapshot!(unknown_option, "search a | spath input=x foo=bar");
error_snapshot!(bad_boolean_option, "search a | dedup u keepempty=maybe");
error_snapshot!(bad_integer_option, "| makeresults count=ten");
error_snapshot!(
    bad_join_type,
    "search a | join type=sideways user [| inputlookup users.csv]"
);
error_snapshot!(
    tstats_from_needs_datamodel,
    "| tstats count FROM model=Cloud_Infrastructure"
);
// Command arguments.
error_snapshot!(missing_as_target, "search a | rename a AS");
error_snapshot!(missing_as, "search a | rename a b");
error_snapshot!(stats_without_aggregation, "search a | stats by host");
error_snapshot!(bad_stats_function, "search a | stats cnt(x) by host");
error_snapshot!(stats_function_needs_field, "search a | stats dc by host");
error_snapshot!(stats_by_without_fields, "search a | stats count by");
error_snapshot!(eval_without_equals, "search a | eval x");
error_snapshot!(eval_missing_operand, "search a | eval x=1+");
error_snapshot!(eval_trailing_comma, "search a | eval a=1,");
error_snapshot!(where_without_expression, "search a | where");
error_snapshot!(convert_unknown_function, "search a | convert foo(x)");
error_snapshot!(rex_without_pattern, "search a | rex field=x");
error_snapshot!(mvexpand_two_fields, "search a | mvexpand a b");
error_snapshot!(spath_two_paths, "search a | spath a b");
error_snapshot!(sort_sign_without_field, "search a | sort -");
// Macros.
error_snapshot!(undefined_macro, "* | `no_such_macro(1)` | stats count");
error_snapshot!(
    wrong_arity,
    "`cloudtrail` | `security_content_ctime(firstTime, lastTime)`"
);
error_snapshot!(macro_cycle, "`cloudtrail` `cyc_a`");
error_snapshot!(runaway_depth, "`n0`");
error_snapshot!(runaway_size, "`d0`");
error_snapshot!(unterminated_macro, "search a | `cloudtrail");
error_snapshot!(error_inside_macro_body, "`cloudtrail` | `wrapper`");
error_snapshot!(
    error_inside_macro_with_argument,
    "`cloudtrail` | `typo_body(country)`"
);
