//! TLS for `korral serve`: a given certificate and key, or a self-signed pair made once
//! and kept in the user config dir (so a client that trusted it keeps trusting it).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::serve::Error;

/// A certificate and its key, as PEM files.
#[derive(Debug, Clone)]
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The self-signed certificate of `korral serve --tls` in `dir` (made when missing, for
/// `localhost`, `127.0.0.1`, `::1` and `names`), the key readable by its owner only.
/// Returns the files and whether they were made now.
pub fn self_signed(dir: &Path, names: &[String]) -> Result<(CertFiles, bool), Error> {
    let files = CertFiles {
        cert: dir.join("serve-cert.pem"),
        key: dir.join("serve-key.pem"),
    };
    if files.cert.exists() && files.key.exists() {
        return Ok((files, false));
    }
    let mut alt = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    alt.extend(
        names
            .iter()
            .filter(|n| !alt.contains(n))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let made = rcgen::generate_simple_self_signed(alt).map_err(|e| Error::Tls {
        path: files.cert.clone(),
        message: format!("cannot make a self-signed certificate: {e}"),
    })?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e: std::io::Error| Error::Io { path, source: e }
    };
    crate::auth::write_private(&files.key, &made.signing_key.serialize_pem())
        .map_err(io(&files.key))?;
    crate::auth::write_private(&files.cert, &made.cert.pem()).map_err(io(&files.cert))?;
    Ok((files, true))
}

/// The server's TLS configuration from PEM files (HTTP/1.1; TLS 1.2 and 1.3).
pub fn config(files: &CertFiles) -> Result<Arc<ServerConfig>, Error> {
    let tls = |path: &Path, message: String| Error::Tls {
        path: path.to_path_buf(),
        message,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .and_then(Iterator::collect)
        .map_err(|e| tls(&files.cert, format!("cannot read a PEM certificate: {e}")))?;
    if certs.is_empty() {
        return Err(tls(
            &files.cert,
            "holds no certificate (`-----BEGIN CERTIFICATE-----`)".to_owned(),
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| tls(&files.key, format!("cannot read a PEM private key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&files.cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            tls(
                &files.key,
                format!("the key does not go with the certificate: {e}"),
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_pair_is_made_once_and_loads() {
        let dir = tempfile::tempdir().unwrap();
        let (files, made) = self_signed(dir.path(), &["korral.example".to_owned()]).unwrap();
        assert!(made);
        assert!(!crate::auth::readable_by_others(&files.key));
        config(&files).unwrap();
        let (again, made) = self_signed(dir.path(), &[]).unwrap();
        assert!(!made);
        assert_eq!(again.cert, files.cert);
    }

    #[test]
    fn a_file_without_a_certificate_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        std::fs::write(&cert, "not pem").unwrap();
        let err = config(&CertFiles {
            cert: cert.clone(),
            key: dir.path().join("key.pem"),
        })
        .unwrap_err();
        assert!(err.to_string().contains("cert.pem"), "{err}");
    }
}
