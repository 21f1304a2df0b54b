//! The SPL abstract syntax tree: plain data with byte spans.
//!
//! Every span is a byte range into the *expanded* search text (after macro expansion and
//! comment removal; see [`crate::expand`]). [`crate::Expanded::origin`] maps an expanded
//! span back to the text the user wrote, so diagnostics can point at either.
//!
//! Names follow SPL's own vocabulary: a search is a [`Pipeline`] of [`Command`]s; the
//! `search`/`tstats where`/`inputlookup where` language is [`SearchExpr`]; the
//! `eval`/`where` language is [`Expr`]. The two languages have different precedence
//! ladders (R1.3 vs R6.14), which is why they are different types.

use serde::Serialize;

/// A byte range `start..end` into the expanded search text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// `cmd | cmd | ...`. The first command of a search without a leading pipe is an implicit
/// `search` (evaluation model, SEMANTICS.md preamble).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pipeline {
    pub commands: Vec<Command>,
    pub span: Span,
}

/// One `name=value` command option (`limit=2`, `keepempty=true`, `timeformat="%Y"`),
/// already validated by the parser against the command's known options.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandOption {
    pub name: String,
    /// Unquoted value text (quotes removed, escapes resolved).
    pub value: String,
    pub span: Span,
}

/// One SPL command. Each variant's struct carries the span of the whole command segment
/// (from the command name, or the first search term for the implicit search, to the end
/// of its arguments).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Command {
    Search(Search),
    Where(Where),
    Eval(Eval),
    Rename(Rename),
    Spath(Spath),
    Mvexpand(Mvexpand),
    Stats(Stats),
    Eventstats(Stats),
    Streamstats(Streamstats),
    Convert(Convert),
    Tstats(Tstats),
    Table(Table),
    Fields(Fields),
    Dedup(Dedup),
    Sort(Sort),
    Head(Head),
    Tail(Tail),
    Fillnull(Fillnull),
    Rex(Rex),
    Regex(RegexCmd),
    Bin(Bin),
    Lookup(Lookup),
    Inputlookup(Inputlookup),
    Top(TopRare),
    Rare(TopRare),
    Makemv(Makemv),
    Mvcombine(Mvcombine),
    Nomv(Nomv),
    Makeresults(Makeresults),
    Join(Join),
    Append(Append),
}

impl Command {
    /// The SPL name of the command (`bucket` is reported as `bin`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Search(_) => "search",
            Command::Where(_) => "where",
            Command::Eval(_) => "eval",
            Command::Rename(_) => "rename",
            Command::Spath(_) => "spath",
            Command::Mvexpand(_) => "mvexpand",
            Command::Stats(_) => "stats",
            Command::Eventstats(_) => "eventstats",
            Command::Streamstats(_) => "streamstats",
            Command::Convert(_) => "convert",
            Command::Tstats(_) => "tstats",
            Command::Table(_) => "table",
            Command::Fields(_) => "fields",
            Command::Dedup(_) => "dedup",
            Command::Sort(_) => "sort",
            Command::Head(_) => "head",
            Command::Tail(_) => "tail",
            Command::Fillnull(_) => "fillnull",
            Command::Rex(_) => "rex",
            Command::Regex(_) => "regex",
            Command::Bin(_) => "bin",
            Command::Lookup(_) => "lookup",
            Command::Inputlookup(_) => "inputlookup",
            Command::Top(_) => "top",
            Command::Rare(_) => "rare",
            Command::Makemv(_) => "makemv",
            Command::Mvcombine(_) => "mvcombine",
            Command::Nomv(_) => "nomv",
            Command::Makeresults(_) => "makeresults",
            Command::Join(_) => "join",
            Command::Append(_) => "append",
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Command::Search(c) => c.span,
            Command::Where(c) => c.span,
            Command::Eval(c) => c.span,
            Command::Rename(c) => c.span,
            Command::Spath(c) => c.span,
            Command::Mvexpand(c) => c.span,
            Command::Stats(c) | Command::Eventstats(c) => c.span,
            Command::Streamstats(c) => c.span,
            Command::Convert(c) => c.span,
            Command::Tstats(c) => c.span,
            Command::Table(c) => c.span,
            Command::Fields(c) => c.span,
            Command::Dedup(c) => c.span,
            Command::Sort(c) => c.span,
            Command::Head(c) => c.span,
            Command::Tail(c) => c.span,
            Command::Fillnull(c) => c.span,
            Command::Rex(c) => c.span,
            Command::Regex(c) => c.span,
            Command::Bin(c) => c.span,
            Command::Lookup(c) => c.span,
            Command::Inputlookup(c) => c.span,
            Command::Top(c) | Command::Rare(c) => c.span,
            Command::Makemv(c) => c.span,
            Command::Mvcombine(c) => c.span,
            Command::Nomv(c) => c.span,
            Command::Makeresults(c) => c.span,
            Command::Join(c) => c.span,
            Command::Append(c) => c.span,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The search language (R1.x): `search`, `tstats ... where`, `inputlookup ... where`.
// ---------------------------------------------------------------------------------------

/// `search <expr>` (explicit or implicit). `expr` is `None` for an empty search, which
/// matches everything like `search *` (R1.20).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Search {
    pub expr: Option<SearchExpr>,
    pub span: Span,
}

/// A boolean search expression. Precedence (R1.3), tightest first: parentheses, `NOT`,
/// `OR`, `AND` (explicit or implicit). `And`/`Or` are n-ary and flattened: the parser
/// never produces an `And` directly inside an `And` (likewise `Or`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SearchExpr {
    And(Vec<SearchExpr>),
    Or(Vec<SearchExpr>),
    Not(Box<SearchExpr>),
    /// `field=value`, `field!=value`, `field<value`, ... (R1.6–R1.14).
    Compare {
        field: String,
        op: CompareOp,
        value: SearchValue,
        span: Span,
    },
    /// `field IN (v1, v2, ...)` (R1.15).
    In {
        field: String,
        values: Vec<SearchValue>,
        span: Span,
    },
    /// A bare term or quoted phrase matched against `_raw` (R1.24–R1.26), including
    /// `*` (R1.20), `TERM(x)` and `CASE(x)`.
    Term(SearchValue),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// A value or term in the search language. `text` has quotes removed and escapes
/// resolved (`\"` -> `"`, `\\` -> `\`, `\|` -> `|`; unknown escapes kept verbatim, R1.17).
/// A `*` in `text` is always a wildcard: it cannot be escaped (R1.18). A token joining a
/// quoted and an unquoted part (`"Compute".*`) is one value with the parts concatenated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchValue {
    pub text: String,
    /// True if any part of the token was double-quoted: a quoted value is never a
    /// keyword (R1.5) and a quoted bare term is a phrase (R1.26).
    pub quoted: bool,
    pub modifier: TermModifier,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TermModifier {
    None,
    /// `CASE(x)`: case-sensitive match (R1.22).
    Case,
    /// `TERM(x)`: match as one token bounded by major breakers (R1.23).
    Term,
}

// ---------------------------------------------------------------------------------------
// The eval language (R6.x): `eval`, `where`, `count(eval(...))`, calculated fields.
// ---------------------------------------------------------------------------------------

/// An eval expression. Precedence (R6.14), tightest first: unary `-`/`+`, `* / %`,
/// `+ - .`, comparisons and `LIKE`/`IN`, `NOT`, `AND`, `OR`, `XOR`. Binary operators are
/// left-associative (`10-2-3` is 5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expr {
    /// A number literal; `text` is as written (kept for printing and for R6.10).
    Num {
        value: f64,
        text: String,
        span: Span,
    },
    /// A double-quoted string literal, escapes resolved (R6.7).
    Str { value: String, span: Span },
    /// A field reference: a bare word or a single-quoted name (`'userIdentity.arn'`).
    Field { name: String, span: Span },
    /// A function call; `name` is as written (function names are case-insensitive
    /// in lookup but printed as written).
    Call {
        name: String,
        args: Vec<Expr>,
        span: Span,
    },
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
        span: Span,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        span: Span,
    },
    /// `expr IN (a, b, ...)`: equality against a list, no wildcards.
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
        span: Span,
    },
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Num { span, .. }
            | Expr::Str { span, .. }
            | Expr::Field { span, .. }
            | Expr::Call { span, .. }
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. }
            | Expr::In { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UnaryOp {
    Not,
    Neg,
    Plus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    /// `.` string concatenation.
    Concat,
    /// `=` or `==` (synonyms inside expressions, R6.13).
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    And,
    Or,
    Xor,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Concat => ".",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Like => "LIKE",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
            BinaryOp::Xor => "XOR",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Commands.
// ---------------------------------------------------------------------------------------

/// `where <eval-expr>` (R1.28).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Where {
    pub expr: Expr,
    pub span: Span,
}

/// `eval a=expr, b=expr` (R6.1): assignments run left to right.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Eval {
    pub assignments: Vec<Assignment>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    pub target: AssignTarget,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum AssignTarget {
    /// A literal field name (bare, or double/single-quoted on the left, R6.5).
    Field(String),
    /// `{name}`: the destination is the *value* of field `name` (R6.4).
    Dynamic(String),
}

/// `rename a AS b, c* AS d*` (R3.x). Names may contain `*` wildcards.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rename {
    pub pairs: Vec<RenamePair>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenamePair {
    pub from: String,
    pub to: String,
    pub span: Span,
}

/// `spath [input=f] [output=f] [path=p | p]`, options in any order (R4.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spath {
    pub input: Option<String>,
    pub output: Option<String>,
    pub path: Option<String>,
    pub span: Span,
}

/// `mvexpand <field> [limit=N]` (R5.x). `limit` 0 or absent = unlimited.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mvexpand {
    pub field: String,
    pub limit: Option<u64>,
    pub span: Span,
}

/// `stats`/`eventstats`: `[options] agg [AS name] [, agg ...] [BY f1[, f2 ...]]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Validated options such as `allnum=`, `dedup_splitvals=`, `partitions=`.
    pub options: Vec<CommandOption>,
    pub aggregations: Vec<Aggregation>,
    pub by: Vec<String>,
    pub span: Span,
}

/// One aggregation: `count`, `dc(x)`, `count(eval(x="a"))`, `perc95(x) as p`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregation {
    /// The function, lower-cased and validated by the parser (`count`, `dc`,
    /// `distinct_count`, `perc95`, `p50`, `values`, ...).
    pub function: String,
    pub argument: Option<AggArgument>,
    pub alias: Option<String>,
    /// The output column name Splunk uses without an alias: the aggregation text as
    /// written, without whitespace (`count`, `dc(x)`, `min(_time)`; R7.2).
    pub default_name: String,
    pub span: Span,
}

impl Aggregation {
    /// The output column: the alias if given, else the default name.
    pub fn output_name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.default_name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum AggArgument {
    /// A field name (may contain `*`, R7.7).
    Field(String),
    /// `eval(<expr>)`.
    Eval(Expr),
}

/// `streamstats [current=] [window=] [global=] [reset_on_change=] [time_window=] aggs [by ...]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Streamstats {
    pub options: Vec<CommandOption>,
    pub aggregations: Vec<Aggregation>,
    pub by: Vec<String>,
    pub span: Span,
}

/// `convert [timeformat=fmt] func(field) [AS new] ...` (R8.x).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Convert {
    pub timeformat: Option<String>,
    pub conversions: Vec<Conversion>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversion {
    pub function: ConvertFunction,
    /// The field, possibly with `*` wildcards (R8.2).
    pub field: String,
    pub alias: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConvertFunction {
    Auto,
    Ctime,
    Dur2sec,
    Memk,
    Mktime,
    Mstime,
    None,
    Num,
    Rmcomma,
    Rmunit,
}

impl ConvertFunction {
    pub fn as_str(self) -> &'static str {
        match self {
            ConvertFunction::Auto => "auto",
            ConvertFunction::Ctime => "ctime",
            ConvertFunction::Dur2sec => "dur2sec",
            ConvertFunction::Memk => "memk",
            ConvertFunction::Mktime => "mktime",
            ConvertFunction::Mstime => "mstime",
            ConvertFunction::None => "none",
            ConvertFunction::Num => "num",
            ConvertFunction::Rmcomma => "rmcomma",
            ConvertFunction::Rmunit => "rmunit",
        }
    }
}

/// `| tstats [options] aggs [FROM datamodel=Model.Dataset] [WHERE <search-expr>]
/// [BY fields [span=...]]` (R9.x). `WHERE` uses the search language (R9.4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tstats {
    /// `summariesonly=`, `allow_old_summaries=`, `fillnull_value=`, `prestats=`, ...
    pub options: Vec<CommandOption>,
    pub aggregations: Vec<Aggregation>,
    pub datamodel: Option<DataModelRef>,
    pub where_clause: Option<SearchExpr>,
    pub by: Vec<String>,
    /// `span=` after the BY list, as written (`1h`).
    pub bucket_span: Option<String>,
    pub span: Span,
}

/// `datamodel=Model.Dataset` (`dataset` is `None` for `datamodel=Model`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataModelRef {
    pub model: String,
    pub dataset: Option<String>,
    pub span: Span,
}

/// `table f1, f2, f*` (commas optional, wildcards allowed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub fields: Vec<String>,
    pub span: Span,
}

/// `fields [+|-] f1, f2`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fields {
    pub remove: bool,
    pub fields: Vec<String>,
    pub span: Span,
}

/// `dedup [N] f1 f2 [keepempty=] [consecutive=] [keepevents=] [sortby ...]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dedup {
    pub count: u64,
    pub fields: Vec<String>,
    pub keepempty: bool,
    pub consecutive: bool,
    pub keepevents: bool,
    pub sortby: Vec<SortKey>,
    pub span: Span,
}

/// `sort [N | limit=N] [+|-]key, ... [desc]`. `limit` `None` means Splunk's default of
/// 10000; `Some(0)` means unlimited.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sort {
    pub limit: Option<u64>,
    pub keys: Vec<SortKey>,
    /// A trailing `desc` reverses the whole order.
    pub reverse: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SortKey {
    pub field: String,
    pub descending: bool,
    pub collation: SortCollation,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SortCollation {
    Auto,
    Str,
    Num,
    Ip,
}

/// `head [N] | head limit=N | head (<eval-expr>)` with `null=`/`keeplast=`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Head {
    /// `N` or `limit=N`; `None` when not written. The default 10 applies only to a
    /// `head` without a condition (SEMANTICS §12 head, docs/DECISIONS.md).
    pub limit: Option<u64>,
    pub condition: Option<Expr>,
    pub keeplast: bool,
    pub null: bool,
    pub span: Span,
}

/// `tail [N]` (default 10).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tail {
    pub limit: u64,
    pub span: Span,
}

/// `fillnull [value=v] [fields...]` (default value `0`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fillnull {
    pub value: String,
    pub fields: Vec<String>,
    pub span: Span,
}

/// `rex [field=f] [max_match=N] [mode=sed] [offset_field=f] "<regex>"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rex {
    /// Default `_raw`.
    pub field: String,
    /// Default 1; 0 = unlimited.
    pub max_match: u64,
    pub sed: bool,
    pub offset_field: Option<String>,
    /// The regex (or sed expression) with the SPL quoting removed.
    pub pattern: String,
    pub pattern_span: Span,
    pub span: Span,
}

/// `regex [field=]"<regex>"` / `regex field!="<regex>"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegexCmd {
    /// Default `_raw`.
    pub field: String,
    pub negate: bool,
    pub pattern: String,
    pub pattern_span: Span,
    pub span: Span,
}

/// `bin [span=..] [bins=N] [minspan=..] [start=..] [end=..] [aligntime=..] field [AS new]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    pub field: String,
    pub alias: Option<String>,
    /// `span=` as written (`1h`, `10`, `1d@d`...).
    pub bucket_span: Option<String>,
    pub bins: Option<u64>,
    pub minspan: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub aligntime: Option<String>,
    pub span: Span,
}

/// `lookup [local=] [update=] <table> <lkfield> [AS <field>] ... [OUTPUT|OUTPUTNEW <lkdest>
/// [AS <dest>] ...]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lookup {
    pub options: Vec<CommandOption>,
    pub table: String,
    pub inputs: Vec<FieldMapping>,
    pub output: Option<LookupOutput>,
    pub span: Span,
}

/// `lookup_field [AS event_field]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldMapping {
    pub lookup_field: String,
    pub event_field: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LookupOutput {
    /// `OUTPUTNEW` only writes fields the event does not already have.
    pub new_only: bool,
    pub fields: Vec<FieldMapping>,
}

/// `| inputlookup [append=] [start=] [max=] <table> [where <search-expr>]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inputlookup {
    pub options: Vec<CommandOption>,
    pub table: String,
    pub where_clause: Option<SearchExpr>,
    pub span: Span,
}

/// `top`/`rare`: `[options] f1 [f2...] [by g...]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopRare {
    /// `limit=`, `countfield=`, `percentfield=`, `showcount=`, `showperc=`,
    /// `useother=`, `otherstr=`.
    pub options: Vec<CommandOption>,
    pub fields: Vec<String>,
    pub by: Vec<String>,
    pub span: Span,
}

/// `makemv [delim=" " | tokenizer=re] [allowempty=] [setsv=] field`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Makemv {
    pub delim: Option<String>,
    pub tokenizer: Option<String>,
    pub allowempty: bool,
    pub setsv: bool,
    pub field: String,
    pub span: Span,
}

/// `mvcombine [delim=" "] field`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mvcombine {
    pub delim: Option<String>,
    pub field: String,
    pub span: Span,
}

/// `nomv field`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nomv {
    pub field: String,
    pub span: Span,
}

/// `| makeresults [count=N] [annotate=bool]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Makeresults {
    pub count: u64,
    pub annotate: bool,
    pub span: Span,
}

/// `join [type=inner|left|outer] [max=N] [overwrite=bool] [f1, f2] [ <subsearch> ]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Join {
    pub options: Vec<CommandOption>,
    pub fields: Vec<String>,
    pub subsearch: Pipeline,
    pub span: Span,
}

/// `append [ <subsearch> ]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Append {
    pub subsearch: Pipeline,
    pub span: Span,
}
