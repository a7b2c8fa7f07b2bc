//! `korral bundle` end to end (filled in by its issue).
