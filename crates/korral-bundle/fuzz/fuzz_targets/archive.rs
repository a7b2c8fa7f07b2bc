//! Any bytes as a bundle: format sniffing, zstd/gzip/zip/tar readers, entry walking,
//! manifest parsing and comparison. Must never panic, hang or allocate without bound.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    korral_bundle::fuzz::archive(data);
});
