//! `korral bundle verify` without the CLI around it: verifies FILE against the keyring
//! in `KORRAL_KEYRING` and prints the outcome. Used to profile the read path:
//!
//!   cargo run --release -p korral-bundle --example verify -- bundle.tar.zst

use korral_bundle::{KEYRING_ENV, Keyring, Limits, verify};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = std::env::args_os()
        .nth(1)
        .ok_or("usage: verify FILE (keyring from KORRAL_KEYRING)")?;
    let keyring = Keyring::open(std::env::var_os(KEYRING_ENV).ok_or("set KORRAL_KEYRING")?);
    let report = verify(file.as_ref(), &keyring, &Limits::default(), true)?;
    println!(
        "{} entries, {} bytes hashed, signature: {}, verified: {}",
        report.entries,
        report.bytes,
        report.signature.describe(),
        report.ok()
    );
    std::process::exit(i32::from(!report.ok()));
}
