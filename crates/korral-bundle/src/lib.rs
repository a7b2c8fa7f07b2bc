//! Signed airgap bundles and OpenPGP keys.
