//! Characters outside the `.pde` language that people type or paste by accident, as data:
//! letters that look like ASCII ones (Cyrillic `х`, Greek `ο`, full-width `ｘ`, the italic
//! `𝑥` of typeset formulas), accented letters, typographic quotes and dashes, spaces other
//! than the plain one, invisible characters, mathematical typesetting (`≥`, `²`, `π`), and
//! the printable ASCII the language does not use (`#`, `&&`, `'`).
//! [`lookup`] says what a character is (its code point, its Unicode name where the tables
//! know it) and what the user most likely meant, for `syntax::lex`'s messages.

/// What a character outside the language stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Meaning {
    /// It looks like this ASCII text: `х` like `x`, `–` like `-`, `ｘ` like `x`.
    LooksLike(String),
    /// An accented (or ligature) Latin letter and its plain ASCII spelling: `é` as `e`.
    Accented(String),
    /// A Greek letter: how it is spelled in ASCII, and the Latin letter it looks like.
    Greek {
        spelled: &'static str,
        looks_like: Option<char>,
    },
    /// A space other than the plain space (no-break, thin, ideographic).
    Space,
    /// A character with no width at all (zero-width space, byte order mark).
    Invisible,
    /// Mathematical typesetting, with the hint that gives its ASCII spelling.
    Math(&'static str),
    /// An ASCII control character other than tab and line breaks.
    Control,
    /// Printable ASCII the language does not use (`#`, `&`, `'`), with what to write instead.
    UnusedAscii(&'static str),
    /// Nothing the tables know.
    Other,
}

/// A character outside the language: its code point, its name where known, its meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CharInfo {
    pub ch: char,
    pub name: Option<String>,
    pub meaning: Meaning,
}

impl CharInfo {
    /// `U+0445 CYRILLIC SMALL LETTER HA`, or `U+4E2D` when the tables have no name.
    pub fn describe(&self) -> String {
        match &self.name {
            Some(n) => format!("U+{:04X} {n}", self.ch as u32),
            None => format!("U+{:04X}", self.ch as u32),
        }
    }
}

/// Letters of other scripts that look like ASCII letters: (character, the letter, name).
const LOOKALIKES: &[(char, char, &str)] = &[
    ('а', 'a', "CYRILLIC SMALL LETTER A"),
    ('е', 'e', "CYRILLIC SMALL LETTER IE"),
    ('о', 'o', "CYRILLIC SMALL LETTER O"),
    ('р', 'p', "CYRILLIC SMALL LETTER ER"),
    ('с', 'c', "CYRILLIC SMALL LETTER ES"),
    ('у', 'y', "CYRILLIC SMALL LETTER U"),
    ('х', 'x', "CYRILLIC SMALL LETTER HA"),
    ('і', 'i', "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I"),
    ('ј', 'j', "CYRILLIC SMALL LETTER JE"),
    ('ѕ', 's', "CYRILLIC SMALL LETTER DZE"),
    ('һ', 'h', "CYRILLIC SMALL LETTER SHHA"),
    ('ԁ', 'd', "CYRILLIC SMALL LETTER KOMI DE"),
    ('ԛ', 'q', "CYRILLIC SMALL LETTER QA"),
    ('ԝ', 'w', "CYRILLIC SMALL LETTER WE"),
    ('А', 'A', "CYRILLIC CAPITAL LETTER A"),
    ('В', 'B', "CYRILLIC CAPITAL LETTER VE"),
    ('Е', 'E', "CYRILLIC CAPITAL LETTER IE"),
    ('К', 'K', "CYRILLIC CAPITAL LETTER KA"),
    ('М', 'M', "CYRILLIC CAPITAL LETTER EM"),
    ('Н', 'H', "CYRILLIC CAPITAL LETTER EN"),
    ('О', 'O', "CYRILLIC CAPITAL LETTER O"),
    ('Р', 'P', "CYRILLIC CAPITAL LETTER ER"),
    ('С', 'C', "CYRILLIC CAPITAL LETTER ES"),
    ('Т', 'T', "CYRILLIC CAPITAL LETTER TE"),
    ('Х', 'X', "CYRILLIC CAPITAL LETTER HA"),
    ('Ѕ', 'S', "CYRILLIC CAPITAL LETTER DZE"),
    ('І', 'I', "CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I"),
    ('Ј', 'J', "CYRILLIC CAPITAL LETTER JE"),
    ('ɡ', 'g', "LATIN SMALL LETTER SCRIPT G"),
    ('ı', 'i', "LATIN SMALL LETTER DOTLESS I"),
    ('ℓ', 'l', "SCRIPT SMALL L"),
    ('ℎ', 'h', "PLANCK CONSTANT"),
];

/// Typographic ligatures, as text copied from a PDF has them (`deﬁne`).
const LIGATURES: &[(char, &str, &str)] = &[
    ('ﬀ', "ff", "LATIN SMALL LIGATURE FF"),
    ('ﬁ', "fi", "LATIN SMALL LIGATURE FI"),
    ('ﬂ', "fl", "LATIN SMALL LIGATURE FL"),
    ('ﬃ', "ffi", "LATIN SMALL LIGATURE FFI"),
    ('ﬄ', "ffl", "LATIN SMALL LIGATURE FFL"),
];

/// The Greek alphabet: capital, small, ASCII spelling, the name's last word, and the Latin
/// letters the capital and the small letter look like.
#[allow(clippy::type_complexity)]
const GREEK: &[(char, char, &str, &str, Option<char>, Option<char>)] = &[
    ('Α', 'α', "alpha", "ALPHA", Some('A'), Some('a')),
    ('Β', 'β', "beta", "BETA", Some('B'), None),
    ('Γ', 'γ', "gamma", "GAMMA", None, None),
    ('Δ', 'δ', "delta", "DELTA", None, None),
    ('Ε', 'ε', "epsilon", "EPSILON", Some('E'), None),
    ('Ζ', 'ζ', "zeta", "ZETA", Some('Z'), None),
    ('Η', 'η', "eta", "ETA", Some('H'), None),
    ('Θ', 'θ', "theta", "THETA", None, None),
    ('Ι', 'ι', "iota", "IOTA", Some('I'), Some('i')),
    ('Κ', 'κ', "kappa", "KAPPA", Some('K'), Some('k')),
    ('Λ', 'λ', "lambda", "LAMDA", None, None),
    ('Μ', 'μ', "mu", "MU", Some('M'), None),
    ('Ν', 'ν', "nu", "NU", Some('N'), Some('v')),
    ('Ξ', 'ξ', "xi", "XI", None, None),
    ('Ο', 'ο', "omicron", "OMICRON", Some('O'), Some('o')),
    ('Π', 'π', "pi", "PI", None, None),
    ('Ρ', 'ρ', "rho", "RHO", Some('P'), Some('p')),
    ('Σ', 'σ', "sigma", "SIGMA", None, None),
    ('Τ', 'τ', "tau", "TAU", Some('T'), Some('t')),
    ('Υ', 'υ', "upsilon", "UPSILON", Some('Y'), Some('u')),
    ('Φ', 'φ', "phi", "PHI", None, None),
    ('Χ', 'χ', "chi", "CHI", Some('X'), Some('x')),
    ('Ψ', 'ψ', "psi", "PSI", None, None),
    ('Ω', 'ω', "omega", "OMEGA", None, Some('w')),
];

/// Greek letter forms outside the alphabet's two runs: (character, spelling, name).
const GREEK_SYMBOLS: &[(char, &str, &str)] = &[
    ('ς', "sigma", "GREEK SMALL LETTER FINAL SIGMA"),
    ('ϕ', "phi", "GREEK PHI SYMBOL"),
    ('ϑ', "theta", "GREEK THETA SYMBOL"),
    ('ϵ', "epsilon", "GREEK LUNATE EPSILON SYMBOL"),
    ('ϱ', "rho", "GREEK RHO SYMBOL"),
    ('ϰ', "kappa", "GREEK KAPPA SYMBOL"),
    ('µ', "mu", "MICRO SIGN"),
];

/// Mathematical typesetting: (character, name, the hint that gives its ASCII spelling).
const MATH: &[(char, &str, &str)] = &[
    (
        '∂',
        "PARTIAL DIFFERENTIAL",
        "derivatives are written `d(u, t)`, `d(u, x, x)`",
    ),
    (
        '∇',
        "NABLA",
        "the gradient is `grad(u)`; the divergence is `div(...)`",
    ),
    (
        'Δ',
        "GREEK CAPITAL LETTER DELTA",
        "the Laplacian is `lap(u)`",
    ),
    ('∆', "INCREMENT", "the Laplacian is `lap(u)`"),
    ('²', "SUPERSCRIPT TWO", "powers are written `x^2`"),
    ('³', "SUPERSCRIPT THREE", "powers are written `x^3`"),
    ('¹', "SUPERSCRIPT ONE", "powers are written with `^`: `x^1`"),
    (
        '⁰',
        "SUPERSCRIPT ZERO",
        "powers are written with `^`: `x^0`",
    ),
    ('⁴', "SUPERSCRIPT FOUR", "powers are written `x^4`"),
    ('⁵', "SUPERSCRIPT FIVE", "powers are written `x^5`"),
    ('⁶', "SUPERSCRIPT SIX", "powers are written `x^6`"),
    ('⁷', "SUPERSCRIPT SEVEN", "powers are written `x^7`"),
    ('⁸', "SUPERSCRIPT EIGHT", "powers are written `x^8`"),
    ('⁹', "SUPERSCRIPT NINE", "powers are written `x^9`"),
    (
        '⁻',
        "SUPERSCRIPT MINUS",
        "powers are written with `^`: `x^(-1)`",
    ),
    (
        '⁺',
        "SUPERSCRIPT PLUS SIGN",
        "powers are written with `^`: `x^2`",
    ),
    ('≥', "GREATER-THAN OR EQUAL TO", "write `>=`"),
    ('⩾', "GREATER-THAN OR SLANTED EQUAL TO", "write `>=`"),
    ('≤', "LESS-THAN OR EQUAL TO", "write `<=`"),
    ('⩽', "LESS-THAN OR SLANTED EQUAL TO", "write `<=`"),
    ('≠', "NOT EQUAL TO", "write `!=`"),
    ('×', "MULTIPLICATION SIGN", "multiplication is `*`"),
    ('·', "MIDDLE DOT", "multiplication is `*`"),
    ('⋅', "DOT OPERATOR", "multiplication is `*`"),
    ('∗', "ASTERISK OPERATOR", "multiplication is `*`"),
    ('÷', "DIVISION SIGN", "division is `/`"),
    ('∕', "DIVISION SLASH", "division is `/`"),
    ('⁄', "FRACTION SLASH", "division is `/`"),
    ('−', "MINUS SIGN", "this is a Unicode minus sign; write `-`"),
    (
        '±',
        "PLUS-MINUS SIGN",
        "write `+` or `-`: one equation has one sign",
    ),
    ('π', "GREEK SMALL LETTER PI", "the constant is `pi`"),
    (
        '∑',
        "N-ARY SUMMATION",
        "sums are written `sum(i in 1..d) expression`",
    ),
    (
        'Σ',
        "GREEK CAPITAL LETTER SIGMA",
        "sums are written `sum(i in 1..d) expression`",
    ),
    (
        '∏',
        "N-ARY PRODUCT",
        "products are written `prod(i in 1..d) expression`",
    ),
    ('√', "SQUARE ROOT", "write `sqrt(...)`"),
    ('∈', "ELEMENT OF", "write `in`"),
    (
        '∞',
        "INFINITY",
        "domains are bounded: give a finite interval (the sampling box)",
    ),
    (
        '…',
        "HORIZONTAL ELLIPSIS",
        "index ranges are written with two dots: `1..d`",
    ),
    ('′', "PRIME", "derivatives are written `d(u, x)`"),
    (
        '″',
        "DOUBLE PRIME",
        "second derivatives are written `d(u, x, x)`",
    ),
    (
        '∫',
        "INTEGRAL",
        "the language has no integrals; write the PDE in differential form",
    ),
];

/// Typographic punctuation and the ASCII it stands for: (character, ASCII, name).
const TYPOGRAPHIC: &[(char, &str, &str)] = &[
    ('‘', "'", "LEFT SINGLE QUOTATION MARK"),
    ('’', "'", "RIGHT SINGLE QUOTATION MARK"),
    ('‚', "'", "SINGLE LOW-9 QUOTATION MARK"),
    ('“', "\"", "LEFT DOUBLE QUOTATION MARK"),
    ('”', "\"", "RIGHT DOUBLE QUOTATION MARK"),
    ('„', "\"", "DOUBLE LOW-9 QUOTATION MARK"),
    ('«', "\"", "LEFT-POINTING DOUBLE ANGLE QUOTATION MARK"),
    ('»', "\"", "RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK"),
    ('‐', "-", "HYPHEN"),
    ('‑', "-", "NON-BREAKING HYPHEN"),
    ('‒', "-", "FIGURE DASH"),
    ('–', "-", "EN DASH"),
    ('—', "-", "EM DASH"),
    ('―', "-", "HORIZONTAL BAR"),
    ('﹣', "-", "SMALL HYPHEN-MINUS"),
    ('∶', ":", "RATIO"),
];

/// Spaces other than U+0020: (character, name).
const SPACES: &[(char, &str)] = &[
    ('\u{00A0}', "NO-BREAK SPACE"),
    ('\u{0085}', "NEXT LINE"),
    ('\u{1680}', "OGHAM SPACE MARK"),
    ('\u{2000}', "EN QUAD"),
    ('\u{2001}', "EM QUAD"),
    ('\u{2002}', "EN SPACE"),
    ('\u{2003}', "EM SPACE"),
    ('\u{2004}', "THREE-PER-EM SPACE"),
    ('\u{2005}', "FOUR-PER-EM SPACE"),
    ('\u{2006}', "SIX-PER-EM SPACE"),
    ('\u{2007}', "FIGURE SPACE"),
    ('\u{2008}', "PUNCTUATION SPACE"),
    ('\u{2009}', "THIN SPACE"),
    ('\u{200A}', "HAIR SPACE"),
    ('\u{2028}', "LINE SEPARATOR"),
    ('\u{2029}', "PARAGRAPH SEPARATOR"),
    ('\u{202F}', "NARROW NO-BREAK SPACE"),
    ('\u{205F}', "MEDIUM MATHEMATICAL SPACE"),
    ('\u{3000}', "IDEOGRAPHIC SPACE"),
];

/// Characters with no width: (character, name).
const INVISIBLE: &[(char, &str)] = &[
    ('\u{00AD}', "SOFT HYPHEN"),
    ('\u{200B}', "ZERO WIDTH SPACE"),
    ('\u{200C}', "ZERO WIDTH NON-JOINER"),
    ('\u{200D}', "ZERO WIDTH JOINER"),
    ('\u{200E}', "LEFT-TO-RIGHT MARK"),
    ('\u{200F}', "RIGHT-TO-LEFT MARK"),
    ('\u{2060}', "WORD JOINER"),
    ('\u{2061}', "FUNCTION APPLICATION"),
    ('\u{2062}', "INVISIBLE TIMES"),
    ('\u{2063}', "INVISIBLE SEPARATOR"),
    ('\u{FEFF}', "ZERO WIDTH NO-BREAK SPACE"),
];

/// Latin-1's letters U+00C0..U+00FF by offset from U+00C0 (capitals; the small letters are
/// 0x20 further): the plain spelling and what follows `LETTER X` in the name. `None`: not a
/// letter (`×`, `÷`) or no capital (`ß`, `ÿ`), handled apart.
const LATIN1: [Option<(&str, &str)>; 32] = [
    Some(("A", " WITH GRAVE")),
    Some(("A", " WITH ACUTE")),
    Some(("A", " WITH CIRCUMFLEX")),
    Some(("A", " WITH TILDE")),
    Some(("A", " WITH DIAERESIS")),
    Some(("A", " WITH RING ABOVE")),
    Some(("AE", "")),
    Some(("C", " WITH CEDILLA")),
    Some(("E", " WITH GRAVE")),
    Some(("E", " WITH ACUTE")),
    Some(("E", " WITH CIRCUMFLEX")),
    Some(("E", " WITH DIAERESIS")),
    Some(("I", " WITH GRAVE")),
    Some(("I", " WITH ACUTE")),
    Some(("I", " WITH CIRCUMFLEX")),
    Some(("I", " WITH DIAERESIS")),
    Some(("D", "ETH")),
    Some(("N", " WITH TILDE")),
    Some(("O", " WITH GRAVE")),
    Some(("O", " WITH ACUTE")),
    Some(("O", " WITH CIRCUMFLEX")),
    Some(("O", " WITH TILDE")),
    Some(("O", " WITH DIAERESIS")),
    None,
    Some(("O", " WITH STROKE")),
    Some(("U", " WITH GRAVE")),
    Some(("U", " WITH ACUTE")),
    Some(("U", " WITH CIRCUMFLEX")),
    Some(("U", " WITH DIAERESIS")),
    Some(("Y", " WITH ACUTE")),
    Some(("TH", "THORN")),
    None,
];

/// Printable ASCII the language does not use, and what people mean by it (`!` is used only
/// in `!=`, which the lexer lets through).
const UNUSED_ASCII: &[(char, &str)] = &[
    ('#', "comments start with `//` (or are enclosed in `/* */`)"),
    (
        '%',
        "comments start with `//`; there is no remainder operator",
    ),
    ('&', "logical and is written `and`"),
    (
        '|',
        "logical or is written `or`; an absolute value is `abs(x)`, a norm `norm(v)`",
    ),
    ('!', "logical negation is written `not`; `!=` compares"),
    (
        '\'',
        "strings are in double quotes, `\"data.csv\"`; derivatives are written `d(u, x)`, not with primes",
    ),
    ('?', "a choice is written `if c then a else b`"),
    (
        '~',
        "the language has no `~`; see docs/LANGUAGE.md for its operators",
    ),
    ('$', "names are letters, digits and `_`"),
    (
        '@',
        "there is no matrix product operator: write `sum(j in 1..n) A[i, j] * v[j]`",
    ),
    (
        '\\',
        "LaTeX is not part of the language: write `pi`, `sqrt(x)`, `a / b`, `d(u, x)`",
    ),
    (
        '`',
        "the language has no backquote; strings are in double quotes",
    ),
];

/// The common combining accents, by the rest of their names (`COMBINING ACUTE ACCENT`).
const COMBINING: &[(char, &str)] = &[
    ('\u{300}', "GRAVE ACCENT"),
    ('\u{301}', "ACUTE ACCENT"),
    ('\u{302}', "CIRCUMFLEX ACCENT"),
    ('\u{303}', "TILDE"),
    ('\u{304}', "MACRON"),
    ('\u{306}', "BREVE"),
    ('\u{307}', "DOT ABOVE"),
    ('\u{308}', "DIAERESIS"),
    ('\u{30A}', "RING ABOVE"),
    ('\u{30B}', "DOUBLE ACUTE ACCENT"),
    ('\u{30C}', "CARON"),
    ('\u{327}', "CEDILLA"),
    ('\u{328}', "OGONEK"),
];

/// Names of ASCII's punctuation U+0021..U+007E that is not a letter or digit, for the
/// full-width forms (`（` is FULLWIDTH LEFT PARENTHESIS).
const ASCII_PUNCTUATION: &[(char, &str)] = &[
    ('!', "EXCLAMATION MARK"),
    ('"', "QUOTATION MARK"),
    ('#', "NUMBER SIGN"),
    ('$', "DOLLAR SIGN"),
    ('%', "PERCENT SIGN"),
    ('&', "AMPERSAND"),
    ('\'', "APOSTROPHE"),
    ('(', "LEFT PARENTHESIS"),
    (')', "RIGHT PARENTHESIS"),
    ('*', "ASTERISK"),
    ('+', "PLUS SIGN"),
    (',', "COMMA"),
    ('-', "HYPHEN-MINUS"),
    ('.', "FULL STOP"),
    ('/', "SOLIDUS"),
    (':', "COLON"),
    (';', "SEMICOLON"),
    ('<', "LESS-THAN SIGN"),
    ('=', "EQUALS SIGN"),
    ('>', "GREATER-THAN SIGN"),
    ('?', "QUESTION MARK"),
    ('@', "COMMERCIAL AT"),
    ('[', "LEFT SQUARE BRACKET"),
    ('\\', "REVERSE SOLIDUS"),
    (']', "RIGHT SQUARE BRACKET"),
    ('^', "CIRCUMFLEX ACCENT"),
    ('_', "LOW LINE"),
    ('`', "GRAVE ACCENT"),
    ('{', "LEFT CURLY BRACKET"),
    ('|', "VERTICAL LINE"),
    ('}', "RIGHT CURLY BRACKET"),
    ('~', "TILDE"),
];

/// The styles of Unicode's mathematical alphanumeric letters, 52 letters each from U+1D400.
const MATH_LETTER_STYLES: &[&str] = &[
    "BOLD",
    "ITALIC",
    "BOLD ITALIC",
    "SCRIPT",
    "BOLD SCRIPT",
    "FRAKTUR",
    "DOUBLE-STRUCK",
    "BOLD FRAKTUR",
    "SANS-SERIF",
    "SANS-SERIF BOLD",
    "SANS-SERIF ITALIC",
    "SANS-SERIF BOLD ITALIC",
    "MONOSPACE",
];

/// The styles of the mathematical digits, 10 each from U+1D7CE.
const MATH_DIGIT_STYLES: &[&str] = &[
    "BOLD",
    "DOUBLE-STRUCK",
    "SANS-SERIF",
    "SANS-SERIF BOLD",
    "MONOSPACE",
];

const DIGIT_NAMES: [&str; 10] = [
    "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE",
];

/// The Unicode name of a printable ASCII character (for the full-width forms).
fn ascii_name(c: char) -> Option<String> {
    if c.is_ascii_uppercase() {
        Some(format!("LATIN CAPITAL LETTER {c}"))
    } else if c.is_ascii_lowercase() {
        Some(format!("LATIN SMALL LETTER {}", c.to_ascii_uppercase()))
    } else if let Some(d) = c.to_digit(10) {
        Some(format!("DIGIT {}", DIGIT_NAMES[d as usize]))
    } else {
        ASCII_PUNCTUATION
            .iter()
            .find(|(p, _)| *p == c)
            .map(|(_, n)| n.to_string())
    }
}

/// The hint for printable ASCII the language does not use (`#`, `&`, `'`).
pub fn unused_ascii(c: char) -> Option<&'static str> {
    UNUSED_ASCII.iter().find(|(a, _)| *a == c).map(|(_, h)| *h)
}

/// What `c`, a character outside the language, is and stands for.
pub fn lookup(c: char) -> CharInfo {
    let info = |name: String, meaning: Meaning| CharInfo {
        ch: c,
        name: Some(name),
        meaning,
    };
    let cp = c as u32;
    if c.is_ascii_control() {
        return CharInfo {
            ch: c,
            name: None,
            meaning: Meaning::Control,
        };
    }
    if let Some(hint) = unused_ascii(c) {
        return CharInfo {
            ch: c,
            name: ascii_name(c),
            meaning: Meaning::UnusedAscii(hint),
        };
    }
    // Mathematics first: `π`, `Δ` and `Σ` are Greek letters too, but mean `pi`, `lap`, `sum`.
    if let Some((_, name, hint)) = MATH.iter().find(|(m, ..)| *m == c) {
        return info(name.to_string(), Meaning::Math(hint));
    }
    if let Some((_, ascii, name)) = LOOKALIKES.iter().find(|(l, ..)| *l == c) {
        return info(name.to_string(), Meaning::LooksLike(ascii.to_string()));
    }
    if let Some((_, ascii, name)) = LIGATURES.iter().find(|(l, ..)| *l == c) {
        return info(name.to_string(), Meaning::LooksLike(ascii.to_string()));
    }
    for &(capital, small, spelled, name, looks_capital, looks_small) in GREEK {
        if c == capital || c == small {
            let (case, looks_like) = if c == capital {
                ("CAPITAL", looks_capital)
            } else {
                ("SMALL", looks_small)
            };
            let spelled = if c == capital {
                capitalized(spelled)
            } else {
                spelled
            };
            let meaning = Meaning::Greek {
                spelled,
                looks_like,
            };
            return info(format!("GREEK {case} LETTER {name}"), meaning);
        }
    }
    if let Some((_, spelled, name)) = GREEK_SYMBOLS.iter().find(|(g, ..)| *g == c) {
        let meaning = Meaning::Greek {
            spelled,
            looks_like: None,
        };
        return info(name.to_string(), meaning);
    }
    if let Some((_, ascii, name)) = TYPOGRAPHIC.iter().find(|(t, ..)| *t == c) {
        return info(name.to_string(), Meaning::LooksLike(ascii.to_string()));
    }
    if let Some((_, name)) = SPACES.iter().find(|(s, _)| *s == c) {
        return info(name.to_string(), Meaning::Space);
    }
    if let Some((_, name)) = INVISIBLE.iter().find(|(s, _)| *s == c) {
        return info(name.to_string(), Meaning::Invisible);
    }
    // Full-width forms: U+FF01..U+FF5E are ASCII U+0021..U+007E shifted by 0xFEE0.
    if (0xFF01..=0xFF5E).contains(&cp)
        && let Some(ascii) = char::from_u32(cp - 0xFEE0)
        && let Some(name) = ascii_name(ascii)
    {
        return info(
            format!("FULLWIDTH {name}"),
            Meaning::LooksLike(ascii.to_string()),
        );
    }
    if let Some(found) = latin1_letter(c) {
        return found;
    }
    // A combining accent (`e` + U+0301 is a decomposed `é`): part of its letter's word.
    if (0x300..=0x36F).contains(&cp) {
        let name = COMBINING
            .iter()
            .find(|(m, _)| *m == c)
            .map(|(_, n)| format!("COMBINING {n}"));
        return CharInfo {
            ch: c,
            name,
            meaning: Meaning::Accented(String::new()),
        };
    }
    if let Some(found) = math_alphanumeric(c) {
        return found;
    }
    CharInfo {
        ch: c,
        name: None,
        meaning: Meaning::Other,
    }
}

/// `alpha` as `Alpha`, for the spelling of a capital Greek letter.
fn capitalized(spelled: &'static str) -> &'static str {
    // A fixed table keeps the result `'static` without leaking.
    const CAPITALS: &[(&str, &str)] = &[
        ("alpha", "Alpha"),
        ("beta", "Beta"),
        ("gamma", "Gamma"),
        ("delta", "Delta"),
        ("epsilon", "Epsilon"),
        ("zeta", "Zeta"),
        ("eta", "Eta"),
        ("theta", "Theta"),
        ("iota", "Iota"),
        ("kappa", "Kappa"),
        ("lambda", "Lambda"),
        ("mu", "Mu"),
        ("nu", "Nu"),
        ("xi", "Xi"),
        ("omicron", "Omicron"),
        ("pi", "Pi"),
        ("rho", "Rho"),
        ("sigma", "Sigma"),
        ("tau", "Tau"),
        ("upsilon", "Upsilon"),
        ("phi", "Phi"),
        ("chi", "Chi"),
        ("psi", "Psi"),
        ("omega", "Omega"),
    ];
    CAPITALS
        .iter()
        .find(|(s, _)| *s == spelled)
        .map_or(spelled, |(_, c)| c)
}

/// Latin-1's accented letters and ligatures: `é` as `e`, `Æ` as `AE`, `ß` as `ss`.
fn latin1_letter(c: char) -> Option<CharInfo> {
    let cp = c as u32;
    let accented = |plain: String, name: String| {
        Some(CharInfo {
            ch: c,
            name: Some(name),
            meaning: Meaning::Accented(plain),
        })
    };
    match cp {
        0xDF => accented("ss".into(), "LATIN SMALL LETTER SHARP S".into()),
        0xFF => accented("y".into(), "LATIN SMALL LETTER Y WITH DIAERESIS".into()),
        0xC0..=0xFE => {
            let small = cp >= 0xE0;
            let (plain, rest) = LATIN1[(cp - if small { 0xE0 } else { 0xC0 }) as usize]?;
            let case = if small { "SMALL" } else { "CAPITAL" };
            // `ETH` and `THORN` are the letters' own names; the others are `LETTER X WITH ..`.
            let name = if rest.starts_with(' ') || rest.is_empty() {
                format!("LATIN {case} LETTER {plain}{rest}")
            } else {
                format!("LATIN {case} LETTER {rest}")
            };
            let plain = if small {
                plain.to_ascii_lowercase()
            } else if plain.len() > 1 && plain != "AE" {
                // `Þ` is spelled `Th` at the start of a capitalised word.
                format!("{}{}", &plain[..1], plain[1..].to_ascii_lowercase())
            } else {
                plain.to_string()
            };
            accented(plain, name)
        }
        _ => None,
    }
}

/// The letters and digits of U+1D400..U+1D7FF (`𝑥`, `𝐱`, `𝟐`), pasted from typeset formulas.
fn math_alphanumeric(c: char) -> Option<CharInfo> {
    let cp = c as u32;
    let letters = 0x1D400 + 52 * MATH_LETTER_STYLES.len() as u32;
    let (ascii, name) = if (0x1D400..letters).contains(&cp) {
        let k = cp - 0x1D400;
        let style = MATH_LETTER_STYLES[(k / 52) as usize];
        let n = k % 52;
        let (ascii, case) = if n < 26 {
            (char::from(b'A' + n as u8), "CAPITAL")
        } else {
            (char::from(b'a' + (n - 26) as u8), "SMALL")
        };
        let upper = ascii.to_ascii_uppercase();
        (ascii, format!("MATHEMATICAL {style} {case} {upper}"))
    } else if (0x1D7CE..=0x1D7FF).contains(&cp) {
        let k = cp - 0x1D7CE;
        let style = MATH_DIGIT_STYLES[(k / 10) as usize];
        let d = (k % 10) as usize;
        let ascii = char::from(b'0' + d as u8);
        (
            ascii,
            format!("MATHEMATICAL {style} DIGIT {}", DIGIT_NAMES[d]),
        )
    } else {
        return None;
    };
    Some(CharInfo {
        ch: c,
        name: Some(name),
        meaning: Meaning::LooksLike(ascii.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn looks_like(c: char) -> Option<String> {
        match lookup(c).meaning {
            Meaning::LooksLike(s) => Some(s),
            Meaning::Greek { looks_like, .. } => looks_like.map(String::from),
            _ => None,
        }
    }

    #[test]
    fn cyrillic_and_greek_lookalikes_name_their_latin_letter() {
        for (c, latin) in [
            ('а', "a"),
            ('е', "e"),
            ('о', "o"),
            ('р', "p"),
            ('с', "c"),
            ('у', "y"),
            ('х', "x"),
            ('і', "i"),
            ('ј', "j"),
            ('ѕ', "s"),
            ('һ', "h"),
            ('ԁ', "d"),
            ('ɡ', "g"),
            ('А', "A"),
            ('В', "B"),
            ('Е', "E"),
            ('К', "K"),
            ('М', "M"),
            ('Н', "H"),
            ('О', "O"),
            ('Р', "P"),
            ('С', "C"),
            ('Т', "T"),
            ('Х', "X"),
            ('ο', "o"),
            ('α', "a"),
            ('ν', "v"),
            ('ρ', "p"),
            ('τ', "t"),
            ('ι', "i"),
            ('Α', "A"),
            ('Β', "B"),
            ('Ε', "E"),
            ('Ζ', "Z"),
            ('Η', "H"),
            ('Ι', "I"),
            ('Κ', "K"),
            ('Μ', "M"),
            ('Ν', "N"),
            ('Ο', "O"),
            ('Ρ', "P"),
            ('Τ', "T"),
            ('Υ', "Y"),
            ('Χ', "X"),
        ] {
            assert_eq!(looks_like(c).as_deref(), Some(latin), "{c}");
        }
        assert_eq!(lookup('х').describe(), "U+0445 CYRILLIC SMALL LETTER HA");
        assert_eq!(lookup('ν').describe(), "U+03BD GREEK SMALL LETTER NU");
        assert_eq!(lookup('Λ').describe(), "U+039B GREEK CAPITAL LETTER LAMDA");
        assert!(matches!(
            lookup('σ').meaning,
            Meaning::Greek {
                spelled: "sigma",
                ..
            }
        ));
        assert!(matches!(
            lookup('Ω').meaning,
            Meaning::Greek {
                spelled: "Omega",
                ..
            }
        ));
    }

    #[test]
    fn full_width_forms_map_to_ascii_by_offset() {
        for a in '!'..='~' {
            let wide = char::from_u32(a as u32 + 0xFEE0).expect("a character");
            let info = lookup(wide);
            assert_eq!(info.meaning, Meaning::LooksLike(a.to_string()), "{wide}");
            assert!(info.describe().contains("FULLWIDTH"), "{}", info.describe());
        }
        assert_eq!(lookup('（').describe(), "U+FF08 FULLWIDTH LEFT PARENTHESIS");
        assert_eq!(
            lookup('ｘ').describe(),
            "U+FF58 FULLWIDTH LATIN SMALL LETTER X"
        );
    }

    #[test]
    fn typography_spaces_and_mathematics() {
        for (c, ascii) in [('−', "-"), ('–', "-"), ('—', "-"), ('’', "'"), ('“', "\"")] {
            let info = lookup(c);
            match info.meaning {
                Meaning::LooksLike(s) => assert_eq!(s, ascii, "{c}"),
                Meaning::Math(hint) => assert!(hint.contains(ascii), "{c}: {hint}"),
                other => panic!("{c}: {other:?}"),
            }
        }
        for (c, spelled) in [
            ('×', "*"),
            ('≥', ">="),
            ('≤', "<="),
            ('²', "^2"),
            ('π', "pi"),
            ('∂', "d(u"),
        ] {
            let Meaning::Math(hint) = lookup(c).meaning else {
                panic!("{c} is not mathematics");
            };
            assert!(hint.contains(spelled), "{c}: {hint}");
        }
        for c in ['\u{00A0}', '\u{2009}', '\u{3000}'] {
            assert_eq!(lookup(c).meaning, Meaning::Space, "{c:?}");
        }
        for c in ['\u{200B}', '\u{FEFF}'] {
            assert_eq!(lookup(c).meaning, Meaning::Invisible, "{c:?}");
        }
        assert_eq!(lookup('\u{00A0}').describe(), "U+00A0 NO-BREAK SPACE");
        assert_eq!(lookup('\u{200B}').describe(), "U+200B ZERO WIDTH SPACE");
        assert_eq!(lookup('中').describe(), "U+4E2D");
        assert_eq!(lookup('\u{c}').meaning, Meaning::Control);
        assert_eq!(lookup('#').describe(), "U+0023 NUMBER SIGN");
        assert!(matches!(lookup('&').meaning, Meaning::UnusedAscii(h) if h.contains("`and`")));
    }

    #[test]
    fn accented_and_typeset_letters() {
        let e = lookup('é');
        assert_eq!(e.describe(), "U+00E9 LATIN SMALL LETTER E WITH ACUTE");
        assert_eq!(e.meaning, Meaning::Accented("e".into()));
        assert_eq!(lookup('Æ').meaning, Meaning::Accented("AE".into()));
        assert_eq!(lookup('ß').meaning, Meaning::Accented("ss".into()));
        assert_eq!(lookup('Ð').describe(), "U+00D0 LATIN CAPITAL LETTER ETH");
        assert_eq!(lookup('ﬁ').meaning, Meaning::LooksLike("fi".into()));
        assert_eq!(
            lookup('\u{301}').describe(),
            "U+0301 COMBINING ACUTE ACCENT"
        );
        assert_eq!(lookup('×').describe(), "U+00D7 MULTIPLICATION SIGN");
        let x = lookup('𝑥');
        assert_eq!(x.describe(), "U+1D465 MATHEMATICAL ITALIC SMALL X");
        assert_eq!(x.meaning, Meaning::LooksLike("x".into()));
        assert_eq!(
            lookup('𝟐').describe(),
            "U+1D7D0 MATHEMATICAL BOLD DIGIT TWO"
        );
        // Every letter of Latin-1 has a plain spelling; its two signs are mathematics.
        for cp in 0xC0..=0xFF {
            let c = char::from_u32(cp).expect("Latin-1");
            match lookup(c).meaning {
                Meaning::Accented(p) => assert!(p.chars().all(|c| c.is_ascii_alphabetic())),
                Meaning::Math(_) => assert!(c == '×' || c == '÷'),
                other => panic!("{c}: {other:?}"),
            }
        }
    }
}
