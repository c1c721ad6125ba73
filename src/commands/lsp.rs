//! `pdec lsp`: the language server for editors, over standard input and output (the
//! protocol's own framing; nothing else is printed there). See [`crate::lsp`].

/// Serves one editor session; 0 after the client's `shutdown` and `exit`.
pub fn execute() -> i32 {
    crate::lsp::serve()
}
