//! Any bytes as `korral-bundle.yaml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    korral_bundle::fuzz::manifest(data);
});
