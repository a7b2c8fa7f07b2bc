//! `korral cluster` end to end (filled in by its issue).
