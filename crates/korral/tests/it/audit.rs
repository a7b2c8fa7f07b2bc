//! `korral audit` end to end (filled in by its issue).
