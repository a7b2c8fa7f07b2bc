//! `korral generate` and `korral provision` end to end (filled in by its issue).
