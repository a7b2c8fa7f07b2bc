//! Text from outside (object names, event and pod messages, image strings, bundle
//! metadata, key user IDs) made safe to show on a terminal.
//!
//! A terminal obeys control characters wherever they come from: an event message with
//! `ESC ] 0 ;` sets the window title, `ESC ] 52 ;` writes the clipboard, `ESC [ 2 J`
//! clears the screen, and a carriage return or newline lets data draw a line of its own
//! (a fake `VERIFIED` under a failed verification). Every human-readable output writes
//! such text through [`escape`] or [`Escaped`]; JSON and YAML outputs stay exact (their
//! encoders escape control characters already).

use std::borrow::Cow;
use std::fmt;

/// Whether `c` must not reach a terminal as it is: C0 controls (newline and tab
/// included: in one field of a line they would break the line), DEL, C1 controls, and
/// the Unicode bidirectional overrides and isolates that make text display in an order
/// other than the one it has ("Trojan Source").
pub fn is_unsafe(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

/// `text` with every [unsafe](is_unsafe) character written as an escape: `\n`, `\r`,
/// `\t`, `\e` for ESC, and `\u{…}` for the rest. Borrowed when there is nothing to
/// escape, which is nearly always.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Like [`escape`], but keeps newlines (and tabs) as they are: for multi-line text
/// whose lines are shown as lines (a log line never is; an error message may be).
pub fn escape_keep_lines(text: &str) -> Cow<'_, str> {
    let unsafe_here = |c: char| is_unsafe(c) && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_here) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_here(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    use fmt::Write;
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{1b}' => out.push_str("\\e"),
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Displays a string [escaped](escape) for a terminal: `format!("{}", Escaped(&name))`.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Padding (`{:<20}`) applies to the escaped text, so columns stay aligned.
        f.pad(&escape(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(escape("nginx:1.25 ✓ café"), Cow::Borrowed(_)));
    }

    #[test]
    fn control_sequences_are_written_out() {
        assert_eq!(escape("a\u{1b}]0;pwned\u{7}b"), "a\\e]0;pwned\\u{7}b");
        assert_eq!(escape("ok\r\nVERIFIED"), "ok\\r\\nVERIFIED");
        assert_eq!(escape("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("\u{7f}"), "\\u{7f}");
    }

    #[test]
    fn lines_can_be_kept() {
        assert_eq!(escape_keep_lines("one\ntwo\u{1b}[2J"), "one\ntwo\\e[2J");
    }

    #[test]
    fn padding_applies_to_the_escaped_text() {
        assert_eq!(format!("[{:<6}]", Escaped("a\nb")), "[a\\nb  ]");
    }

    #[test]
    fn no_unsafe_character_survives() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(!escape(&all).chars().any(is_unsafe));
    }
}
