//! Numbers written wrong, found before pest runs. A number glued to a word
//! (`pdec::syntax::number_with_suffix`): `10min`, `2x`, `1e4x`, `1_000`, `0x1F`; a point out of
//! place (`pdec::syntax::malformed_number`): `1.`, `.5`, `1.5.2`. pest would read the number, then stumble over the word as the start of
//! whatever comes next (in a `solve` block, the next setting), so the error is reported here,
//! at the token, with the hint its place calls for: settings take plain numbers (durations
//! in seconds), expressions need an explicit `*`, names start with a letter.

use super::split::Chunk;
use crate::diag::Diag;
use crate::source::{FileId, Span};

/// Length of the number at the start of `s`, as `grammar/pde.pest` reads it: digits, then
/// `.` and digits, then `e`, a sign and digits (each part only when complete).
pub(super) fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let digits = |from: usize| {
        b[from.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut n = digits(0);
    if b.get(n) == Some(&b'.') && digits(n + 1) > 0 {
        n += 1 + digits(n + 1);
    }
    if matches!(b.get(n), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(n + 1), Some(b'+' | b'-')));
        let exponent = digits(n + 1 + sign);
        if exponent > 0 {
            n += 1 + sign + exponent;
        }
    }
    n
}

/// Is the `.` at byte `at` the start of a number without its leading digit (`.5`)? Not in a
/// range (`1..5`) or after a name (`weight.x`).
pub(super) fn leading_point(text: &str, lo: usize, at: usize) -> bool {
    let next_digit = text[at + 1..].starts_with(|c: char| c.is_ascii_digit());
    let prev = text[lo..at].chars().next_back();
    next_digit && !prev.is_some_and(|p| p == '.' || p.is_ascii_alphanumeric() || p == '_')
}

/// The number at byte `at` of `text` (in statement `chunk`), with what follows it that
/// belongs to it by mistake: a word (`10min`) or a point (`1.`, `1.5.2`); or, when `at` is a
/// `.`, a number without its leading digit (`.5`). Returns the bytes to skip and the error.
pub(super) fn check(file: FileId, text: &str, chunk: &Chunk, at: usize) -> (usize, Option<Diag>) {
    let rest = &text[at..chunk.end.max(at)];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = 1 + number_len(fraction);
        let d = malformed(
            file,
            at,
            &rest[..n],
            "a number needs a digit before its point",
        )
        .help(format!("write `0{}`", &rest[..n]));
        return (n, Some(d));
    }
    let number = number_len(rest);
    let after = &rest[number..];
    let suffix = super::ascii_word_len(after);
    if suffix > 0 {
        if super::is_keyword(&after[..suffix]) {
            // `1then` reads as `1 then`, as the grammar has it.
            return (number + suffix, None);
        }
        return (
            number + suffix,
            Some(glued(file, text, chunk, at, number, suffix)),
        );
    }
    if !after.starts_with('.') || after[1..].starts_with('.') {
        return (number, None);
    }
    let num = &rest[..number];
    let more = after[1..].bytes().take_while(u8::is_ascii_digit).count();
    if more == 0 {
        let d = malformed(
            file,
            at,
            &rest[..number + 1],
            "a number needs digits after its point",
        )
        .help(format!("write `{num}.0` or `{num}`"));
        return (number + 1, Some(d));
    }
    let len = number + 1 + more;
    let d = malformed(file, at, &rest[..len], "a number has one point at most").help(format!(
        "write one number, such as `{num}`; a range of indices is written with two points, `1..3`"
    ));
    (len, Some(d))
}

fn malformed(file: FileId, at: usize, token: &str, what: &str) -> Diag {
    Diag::error(
        "pdec::syntax::malformed_number",
        format!("`{token}`: {what}"),
    )
    .primary(Span::new(file, at, at + token.len()), "not a number")
}

/// Durations and their length in seconds, as people write them after a number.
const TIME_UNITS: &[(&[&str], f64)] = &[
    (&["s", "sec", "secs", "second", "seconds"], 1.0),
    (&["ms"], 0.001),
    (&["m", "min", "mins", "minute", "minutes"], 60.0),
    (&["h", "hr", "hrs", "hour", "hours"], 3600.0),
    (&["d", "day", "days"], 86400.0),
];

/// Other units people attach to numbers: a number in an expression carries none.
const OTHER_UNITS: &[&str] = &[
    "cm", "mm", "km", "kg", "g", "Hz", "kHz", "Pa", "kPa", "MPa", "K", "N", "J", "W", "V",
];

/// Magnitudes written as letters: `10k` steps.
const MAGNITUDES: &[(&str, f64)] = &[("k", 1e3), ("K", 1e3), ("M", 1e6), ("G", 1e9)];

/// Type suffixes of C, Fortran and Rust literals.
const TYPE_SUFFIXES: &[&str] = &[
    "f", "F", "f32", "f64", "L", "l", "u", "i32", "i64", "u32", "u64",
];

fn time_unit(suffix: &str) -> Option<f64> {
    TIME_UNITS
        .iter()
        .find(|(names, _)| names.contains(&suffix))
        .map(|(_, s)| *s)
}

/// A number as a person would type it: `600`, `0.5`, `1e-6`.
fn show(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The byte just after the last character of `s` matching `stop` (0 if none): where the
/// word that ends `s` starts. The character may be several bytes long (a comment in any
/// script can precede it).
fn after_last(s: &str, stop: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .rev()
        .find(|(_, c)| stop(*c))
        .map_or(0, |(k, c)| k + c.len_utf8())
}

/// Where the glued number stands, for the hint.
enum Place<'t> {
    /// The value of setting `key` (in `solve { }` or `--set`; `None` if not found).
    Setting(Option<&'t str>),
    /// Right after a declaration keyword, where a name belongs: `problem 2d_heat`.
    Name,
    Expression,
}

/// The setting a value in `before` (a `solve` block up to the value) belongs to: the name
/// before the last lone `=` (`polish = lbfgs(time_limit = 10min)` gives `time_limit`).
fn setting_key(before: &str) -> Option<&str> {
    let b = before.as_bytes();
    let eq = (0..b.len()).rev().find(|&k| {
        b[k] == b'='
            && b.get(k + 1) != Some(&b'=')
            && !matches!(
                k.checked_sub(1).map(|p| b[p]),
                Some(b'<' | b'>' | b'!' | b'=')
            )
    })?;
    let head = before[..eq].trim_end();
    let start = after_last(head, |c| {
        !(c.is_ascii_alphanumeric() || c == '_' || c == '.')
    });
    let key = &head[start..];
    (!key.is_empty()).then_some(key)
}

fn place<'t>(statement: &'t str, at: usize) -> Place<'t> {
    let before = &statement[..at];
    let keyword = before
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    if keyword == "solve" {
        return Place::Setting(setting_key(before));
    }
    let declares = [
        "problem", "const", "param", "time", "space", "unknown", "fn",
    ];
    if declares.contains(&keyword) && before.trim_end() == keyword {
        return Place::Name;
    }
    Place::Expression
}

/// The diagnostic for the number at byte `at` of `text` (`number` bytes) glued to a word
/// (`suffix` bytes), in the statement `chunk`.
fn glued(file: FileId, text: &str, chunk: &Chunk, at: usize, number: usize, suffix: usize) -> Diag {
    let num = &text[at..at + number];
    let word = &text[at + number..at + number + suffix];
    let after = &text[at + number + suffix..chunk.end.max(at + number + suffix)];
    let statement = &text[chunk.start..chunk.end];
    let help = specific_help(num, word, after)
        .unwrap_or_else(|| placed_help(place(statement, at - chunk.start), num, word));
    Diag::error(
        "pdec::syntax::number_with_suffix",
        format!("`{num}{word}`: a number followed by `{word}`"),
    )
    .primary(
        Span::new(file, at, at + number + suffix),
        format!("nothing separates `{num}` from `{word}`"),
    )
    .help(help)
}

/// `time_limit = 10 min`: in a `solve` block a value then a word reads as the value and the
/// key of the next setting, so pest stumbles only at what follows the word (often on the next
/// line). Reported at the word, with the hint of a glued one. `statement` starts at byte
/// `offset` of the file; pest failed at `pos` in it.
pub(super) fn detached_word(
    file: FileId,
    statement: &str,
    offset: usize,
    pos: usize,
) -> Option<Diag> {
    if !statement.starts_with("solve") {
        return None;
    }
    let before = without_trailing_comments(&statement[..pos.min(statement.len())]);
    let word_start = after_last(before, |c| !(c.is_ascii_alphanumeric() || c == '_'));
    let word = &before[word_start..];
    let gap = &before[..word_start];
    let value = gap.trim_end_matches([' ', '\t']);
    // A word after a number on the same line, and pest failing after the word's line or at
    // a separator (a key of its own would have failed at the same line's value instead).
    let after = &statement[pos.min(statement.len())..];
    let stumbled = before.len() < pos && statement[before.len()..pos].contains('\n')
        || after.is_empty()
        || after.starts_with(['}', ',', ';']);
    if word.is_empty() || value.len() == gap.len() || !stumbled || super::is_keyword(word) {
        return None;
    }
    let num_start = after_last(value, |c| {
        !(c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
    });
    let num = &value[num_start..];
    if !num.starts_with(|c: char| c.is_ascii_digit()) || number_len(num) != num.len() {
        return None;
    }
    let key = setting_key(&statement[..num_start]);
    let help = specific_help(num, word, after)
        .unwrap_or_else(|| placed_help(Place::Setting(key), num, word));
    Some(
        Diag::error(
            "pdec::syntax::unexpected_token",
            format!("unexpected `{word}` after the value `{num}`"),
        )
        .primary(
            Span::new(file, offset + word_start, offset + word_start + word.len()),
            "a setting's value is one number",
        )
        .help(help),
    )
}

/// `text` without the comments and blanks at its end.
fn without_trailing_comments(mut text: &str) -> &str {
    loop {
        text = text.trim_end();
        let line = &text[text.rfind('\n').map_or(0, |k| k + 1)..];
        // A `//` on the last line outside a string starts a comment.
        let mut quoted = false;
        let mut cut = None;
        for (k, c) in line.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '/' if !quoted && line[k..].starts_with("//") => {
                    cut = Some(k);
                    break;
                }
                _ => {}
            }
        }
        if let Some(k) = cut {
            text = &text[..text.len() - line.len() + k];
        } else if text.ends_with("*/")
            && let Some(open) = text.rfind("/*")
        {
            text = &text[..open];
        } else {
            return text;
        }
    }
}

/// Hints that hold wherever the number is: digit separators, other bases, Fortran's `1d0`,
/// type suffixes, an exponent without digits.
fn specific_help(num: &str, word: &str, after: &str) -> Option<String> {
    if word.starts_with('_') && word.bytes().all(|c| c == b'_' || c.is_ascii_digit()) {
        let plain: String = format!("{num}{word}")
            .chars()
            .filter(|c| *c != '_')
            .collect();
        return Some(format!("numbers have no digit separators: write `{plain}`"));
    }
    if num == "0" && word.len() > 1 {
        let radix = match word.as_bytes()[0] {
            b'x' | b'X' => Some(16),
            b'b' | b'B' => Some(2),
            b'o' | b'O' => Some(8),
            _ => None,
        };
        if let Some(v) = radix.and_then(|r| u64::from_str_radix(&word[1..], r).ok()) {
            return Some(format!(
                "numbers are decimal: write `{v}` (there are no hexadecimal, binary or octal literals)"
            ));
        }
    }
    let fortran = |w: &str| {
        w.len() > 1 && w[1..].bytes().all(|c| c.is_ascii_digit()) || {
            w.len() == 1 && {
                let a = after.as_bytes();
                matches!(a.first(), Some(b'+' | b'-')) && a.get(1).is_some_and(u8::is_ascii_digit)
            }
        }
    };
    if matches!(word.as_bytes()[0], b'd' | b'D') && fortran(word) {
        let exponent: String = if word.len() > 1 {
            word[1..].to_string()
        } else {
            after
                .chars()
                .take(1)
                .chain(after[1..].chars().take_while(char::is_ascii_digit))
                .collect()
        };
        return Some(format!(
            "exponents are written with `e`, as in `{num}e{exponent}` (Fortran's `d` is not used)"
        ));
    }
    let call = after.starts_with(['(', '[']);
    if TYPE_SUFFIXES.contains(&word) && !call {
        return Some(format!(
            "numbers take no type suffix: write `{num}`; if `{word}` is a name, multiply: `{num} * {word}`"
        ));
    }
    if word == "e" || word == "E" {
        return Some(format!(
            "an exponent needs digits, as in `{num}e3` or `{num}e-3`; for a product with `e`, write `{num} * e`"
        ));
    }
    None
}

/// The hint by place: a setting's plain number, a name, or a product in an expression.
fn placed_help(place: Place, num: &str, word: &str) -> String {
    let value: f64 = num.parse().unwrap_or(f64::NAN);
    match place {
        Place::Setting(key) => {
            let key = key.unwrap_or("");
            let duration = key == "time_limit" || key.ends_with(".time_limit");
            let assign = |v: &str| {
                if key.is_empty() {
                    format!("`{v}`")
                } else {
                    format!("`{key} = {v}`")
                }
            };
            if let Some(seconds) = time_unit(word) {
                let total = show(value * seconds);
                if duration {
                    format!(
                        "`{key}` is a number of seconds, without a unit: {}",
                        assign(&total)
                    )
                } else {
                    format!(
                        "settings take plain numbers, without units: {} (durations, as in `time_limit`, are in seconds)",
                        assign(num)
                    )
                }
            } else if let Some((_, m)) = MAGNITUDES.iter().find(|(w, _)| *w == word) {
                format!("settings take plain numbers: {}", assign(&show(value * m)))
            } else if duration {
                format!("`{key}` is a number of seconds: {}", assign(num))
            } else {
                format!("a setting's value is a plain number: {}", assign(num))
            }
        }
        Place::Name => {
            format!("a name starts with a letter or `_`, as in `{word}_{num}` or `_{num}{word}`")
        }
        Place::Expression => {
            // One letter (`m`, `d`, `K`) is as likely a name as a unit.
            let unit = word.len() > 1 && (time_unit(word).is_some() || OTHER_UNITS.contains(&word));
            let units = if unit { "; numbers carry no units" } else { "" };
            format!("multiplication needs an explicit `*`: `{num} * {word}`{units}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_end_where_the_grammar_ends_them() {
        assert_eq!(number_len("10min"), 2);
        assert_eq!(number_len("1e4x"), 3);
        assert_eq!(number_len("3e-3abc"), 4);
        assert_eq!(number_len("2.5E+4"), 6);
        assert_eq!(number_len("1..d"), 1);
        assert_eq!(number_len("1e"), 1);
        assert_eq!(number_len("1e-x"), 1);
        assert_eq!(number_len("1.x"), 1);
    }

    #[test]
    fn settings_keys_are_found_before_the_value() {
        assert_eq!(setting_key("solve {\n  time_limit = "), Some("time_limit"));
        assert_eq!(
            setting_key("solve { polish = lbfgs(steps = 5, time_limit = "),
            Some("time_limit")
        );
        assert_eq!(setting_key("solve { weight.pde = "), Some("weight.pde"));
        assert_eq!(setting_key("solve { "), None);
    }

    #[test]
    fn trailing_comments_are_not_words() {
        assert_eq!(
            without_trailing_comments("a = 10 min // x\n  "),
            "a = 10 min"
        );
        assert_eq!(
            without_trailing_comments("a = 10 min /* x */ // y"),
            "a = 10 min"
        );
        assert_eq!(
            without_trailing_comments("k.\"a//b\" = 1"),
            "k.\"a//b\" = 1"
        );
    }

    #[test]
    fn hints_follow_the_place() {
        let h = placed_help(Place::Setting(Some("time_limit")), "10", "min");
        assert!(h.contains("`time_limit = 600`"), "{h}");
        let h = placed_help(Place::Setting(Some("steps")), "10", "k");
        assert!(h.contains("`steps = 10000`"), "{h}");
        let h = placed_help(Place::Setting(Some("steps")), "1e4", "x");
        assert!(h.contains("`steps = 1e4`"), "{h}");
        let h = placed_help(Place::Expression, "2", "x");
        assert!(h.contains("`2 * x`"), "{h}");
        assert!(specific_help("1", "_000", "").is_some_and(|h| h.contains("`1000`")));
        assert!(specific_help("0", "x1F", "").is_some_and(|h| h.contains("`31`")));
        assert!(specific_help("1", "d", "-3").is_some_and(|h| h.contains("`1e-3`")));
        assert!(specific_help("2", "x", "").is_none());
    }

    #[test]
    fn a_glued_number_after_text_in_any_script_is_reported_without_a_panic() {
        // The key's start is found after a multi-byte character (a comment in another script).
        assert_eq!(
            super::setting_key("solve {\n  // été\u{fffd}lr = "),
            Some("lr")
        );
        assert_eq!(
            super::after_last("x\u{fffd}abc", |c| !c.is_ascii_alphanumeric()),
            4
        );
    }
}
