//! Rebuilds the crate when the web UI's bundle changes: the files are embedded at compile
//! time, and a new build of the bundle has new (hashed) file names that nothing else tracks.

fn main() {
    println!("cargo:rerun-if-changed=../../web/dist");
}
