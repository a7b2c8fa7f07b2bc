//! `korral keys` end to end (filled in by its issue).
