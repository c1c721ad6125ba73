//! Positions as the protocol counts them: a line, and a column in UTF-16 code units, lines
//! ending at `\n`, `\r\n` or a lone `\r`. The front end's spans are byte offsets into the
//! same text; [`LineIndex`] converts both ways, clamping what lies past a line or the text.

use lsp_types::{Position, Range};

/// The byte offset of every line's start in one text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
        }
        LineIndex { starts }
    }

    /// The position of byte `offset` (clamped to the text, and back to a character's start).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = text[start..offset].encode_utf16().count();
        Position::new(saturate(line), saturate(column))
    }

    /// The positions of a byte range.
    pub fn range(&self, text: &str, bytes: std::ops::Range<usize>) -> Range {
        Range::new(
            self.position(text, bytes.start),
            self.position(text, bytes.end),
        )
    }

    /// The byte offset of `position`: a column past its line's end is the line's end (before
    /// its line break), a line past the last is the text's end, and a column inside a
    /// character (between the two halves of a surrogate pair) is that character's start.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .copied()
            .unwrap_or(text.len());
        let line = text[start..end].trim_end_matches(['\n', '\r']);
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            units += c.len_utf16();
            if units > position.character as usize {
                return start + i;
            }
        }
        start + line.len()
    }

    /// The range of the whole text.
    pub fn whole(&self, text: &str) -> Range {
        self.range(text, 0..text.len())
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    /// Every character boundary maps to a position and back to itself.
    fn round_trips(text: &str) {
        let ix = LineIndex::new(text);
        for (i, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let p = ix.position(text, i);
            // A break's second byte (`\n` of `\r\n`) is not a place a position can name.
            if i > 0 && text.as_bytes()[i - 1] == b'\r' && text[i..].starts_with('\n') {
                continue;
            }
            assert_eq!(ix.offset(text, p), i, "{text:?} at {i}: {p:?}");
        }
    }

    #[test]
    fn ascii_lines() {
        let text = "ab\ncd\n";
        let ix = LineIndex::new(text);
        assert_eq!(ix.position(text, 0), pos(0, 0));
        assert_eq!(ix.position(text, 4), pos(1, 1));
        assert_eq!(ix.position(text, 6), pos(2, 0));
        assert_eq!(ix.offset(text, pos(1, 1)), 4);
        round_trips(text);
    }

    /// Columns count UTF-16 code units: `é` is one (two bytes), `𝜕` (four bytes) two.
    #[test]
    fn multibyte_characters_count_in_utf16_units() {
        let text = "é = 1\n𝜕u = x\n";
        let ix = LineIndex::new(text);
        assert_eq!(ix.position(text, "é".len()), pos(0, 1));
        let second = text.find('𝜕').expect("there");
        assert_eq!(ix.position(text, second + '𝜕'.len_utf8()), pos(1, 2));
        assert_eq!(ix.offset(text, pos(1, 2)), second + 4);
        // Inside the surrogate pair: the character's start.
        assert_eq!(ix.offset(text, pos(1, 1)), second);
        // A byte inside a character is its start.
        assert_eq!(ix.position(text, 1), pos(0, 0));
        round_trips(text);
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let text = "a\r\nbc\rd\n";
        let ix = LineIndex::new(text);
        assert_eq!(ix.position(text, 3), pos(1, 0));
        assert_eq!(ix.position(text, 6), pos(2, 0));
        // A column past the end stops before `\r\n`.
        assert_eq!(ix.offset(text, pos(0, 99)), 1);
        assert_eq!(ix.offset(text, pos(1, 99)), 5);
        round_trips(text);
    }

    #[test]
    fn past_the_end_clamps() {
        let text = "x\ny";
        let ix = LineIndex::new(text);
        assert_eq!(ix.offset(text, pos(7, 0)), text.len());
        assert_eq!(ix.position(text, 100), pos(1, 1));
        assert_eq!(ix.whole(text), Range::new(pos(0, 0), pos(1, 1)));
        let empty = LineIndex::new("");
        assert_eq!(empty.position("", 0), pos(0, 0));
        assert_eq!(empty.offset("", pos(0, 5)), 0);
    }
}
