//! `korral serve`: the HTTP + WebSocket API over files (read-only) or live contexts.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, anyhow};
use korral_core::terminal::escape;
use korral_kube::{ClusterConfig, KubeOptions, Limits};
use korral_server::{AppState, Clusters, Options, auth, tls};

use super::{ExitStatus, InputError};
use crate::printer::Printer;

/// Arguments of `korral serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on. Without TLS, keep it on loopback: the token travels in
    /// clear.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7420")]
    pub listen: String,

    /// Serve these files, folders or dumps (`kubectl get -o yaml|json`, `korral
    /// snapshot`) read-only, instead of a live cluster: no cluster needed.
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "PATH",
        conflicts_with = "contexts"
    )]
    pub files: Vec<PathBuf>,

    /// The name the `-f` source is served as (`/api/v1/clusters/NAME/…`). Default: the
    /// first path's file name without its extension (`examples/shop` → `shop`).
    #[arg(long, value_name = "NAME", requires = "files")]
    pub name: Option<String>,

    /// The kube contexts to record and serve (repeat for several). Default: the
    /// current context.
    #[arg(long = "context", value_name = "NAME")]
    pub contexts: Vec<String>,

    /// The kubeconfig to use (else `KUBECONFIG`, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The store to record into: `sqlite:PATH` or `postgres://…`. Default: the embedded
    /// SQLite file in the user data dir.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,

    /// Read the bearer token from this file (made, mode 0600, when missing). Default:
    /// `<user config dir>/korral/serve-token`.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Serve HTTPS with a self-signed certificate, made once and kept beside the token
    /// (`serve-cert.pem`: give it to clients to trust).
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    pub tls: bool,

    /// Serve HTTPS with this certificate (PEM, the chain).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Let web pages of this one origin call the API (CORS), e.g.
    /// `https://korral.example.com`. Default: no browser origin is allowed.
    #[arg(long, value_name = "ORIGIN")]
    pub allow_origin: Option<String>,

    /// Show a Secret's values when one Secret is asked for (read from the cluster
    /// then: korral keeps digests only). Default: redacted (keys kept, values emptied).
    #[arg(long, conflicts_with = "files")]
    pub show_secret_values: bool,
}

pub fn serve(args: &ServeArgs) -> anyhow::Result<ExitStatus> {
    let addr: SocketAddr = args.listen.parse().map_err(|_| {
        InputError(anyhow!(
            "--listen `{}` is not an address; write IP:PORT, like 127.0.0.1:7420",
            escape(&args.listen)
        ))
    })?;
    if let Some(origin) = &args.allow_origin
        && !is_origin(origin)
    {
        return Err(InputError(anyhow!(
            "--allow-origin `{}` is not an origin; write scheme://host[:port], like https://korral.example.com",
            escape(origin)
        ))
        .into());
    }
    let config_dir = auth::default_token_path()
        .and_then(|p| p.parent().map(PathBuf::from))
        .ok_or_else(|| {
            InputError(anyhow!(
                "no user config directory (HOME is not set); give --token-file PATH"
            ))
        })?;
    let token_path = args
        .token_file
        .clone()
        .unwrap_or_else(|| config_dir.join("serve-token"));
    let (token, created) = auth::load_or_create_token(&token_path)
        .with_context(|| format!("token file `{}`", escape(&token_path.display().to_string())))
        .map_err(InputError)?;
    if auth::readable_by_others(&token_path) {
        Printer::warn(format!(
            "the token file `{}` is readable by other users; `chmod 600` it",
            escape(&token_path.display().to_string())
        ));
    }
    let tls = tls_config(args, &token_path, &config_dir, addr)?;
    if tls.is_none() && !addr.ip().is_loopback() {
        Printer::warn(format!(
            "listening on {addr} without TLS: the token and every answer cross the network in clear; add --tls (or --tls-cert/--tls-key)"
        ));
    }
    let options = Options {
        show_secret_values: args.show_secret_values,
        allow_origin: args.allow_origin.clone(),
        ..Options::default()
    };

    let runtime = crate::source::runtime()?;
    runtime.block_on(async {
        let mut state = AppState::new(Clusters::default(), &token, options);
        // Kept alive while serving: dropping it stops the recording.
        let mut _recorder = None;
        let what = if args.files.is_empty() {
            let (recorder, names) = record(args, &mut state).await?;
            _recorder = Some(recorder);
            format!("recording and serving {}", escape(&names.join(", ")))
        } else {
            let source = crate::cli::SourceArgs {
                files: args.files.clone(),
                ..crate::cli::SourceArgs::default()
            };
            let files = crate::source::offline(&source, None)?;
            let name = args
                .name
                .clone()
                .unwrap_or_else(|| source_name(&args.files));
            state.clusters = Clusters::offline(&name, &files.set);
            format!("serving {} read-only", escape(&name))
        };
        let listener = korral_server::bind(&args.listen)
            .await
            .map_err(|e| InputError(e.into()))?;
        let local = listener.local_addr()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        if created {
            // Shown once: it is in the token file from now on.
            Printer::note(format_args!(
                "made a new token, kept in {}: {token}",
                token_path.display()
            ));
        } else {
            Printer::note(format_args!("the token is in {}", token_path.display()));
        }
        Printer::note(format_args!("{what} on {scheme}://{local} (Ctrl-C stops)"));
        korral_server::serve(
            listener,
            korral_server::router(state),
            tls,
            korral_server::shutdown_signal(),
        )
        .await?;
        Printer::note("stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitStatus::Success)
}

/// Opens the store and starts recording the contexts (the current one by default);
/// the state gets the store and a client per context (for logs and apply). Returns the
/// recorder and the contexts' names.
async fn record(
    args: &ServeArgs,
    state: &mut AppState,
) -> anyhow::Result<(korral_server::recorder::Recorder, Vec<String>)> {
    let url = args
        .database
        .clone()
        .unwrap_or_else(korral_store::Store::default_url);
    let store = korral_store::Store::open(&url)
        .await
        .map_err(|e| InputError(e.into()))?;
    let contexts: Vec<Option<String>> = if args.contexts.is_empty() {
        vec![None]
    } else {
        args.contexts.iter().cloned().map(Some).collect()
    };
    let mut configs = Vec::new();
    let mut clients = std::collections::BTreeMap::new();
    for context in contexts {
        let config = ClusterConfig::load(KubeOptions {
            kubeconfig: args.kubeconfig.clone(),
            context,
            namespace: None,
            limits: Limits::default(),
        })
        .map_err(|e| InputError(e.into()))?;
        let client = config.client().await?;
        clients.insert(config.context().to_owned(), client);
        configs.push(config);
    }
    let names = clients.keys().cloned().collect();
    state.kube = std::sync::Arc::new(clients);
    state.store = Some(store.clone());
    let recorder = korral_server::recorder::Recorder::start(
        store,
        configs,
        state.hub.clone(),
        state.clusters.clone(),
    );
    Ok((recorder, names))
}

/// The TLS configuration the flags ask for: a given pair, a self-signed one kept beside
/// the token, or none.
fn tls_config(
    args: &ServeArgs,
    token_path: &std::path::Path,
    config_dir: &std::path::Path,
    addr: SocketAddr,
) -> anyhow::Result<Option<std::sync::Arc<rustls::ServerConfig>>> {
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        let files = tls::CertFiles {
            cert: cert.clone(),
            key: key.clone(),
        };
        return Ok(Some(tls::config(&files).map_err(|e| InputError(e.into()))?));
    }
    if !args.tls {
        return Ok(None);
    }
    let dir = token_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(config_dir);
    let (files, made) = tls::self_signed(dir, &[addr.ip().to_string()])?;
    if made {
        Printer::note(format_args!(
            "made a self-signed certificate, {}: clients trust it with `curl --cacert {}`",
            files.cert.display(),
            files.cert.display()
        ));
    }
    Ok(Some(tls::config(&files).map_err(|e| InputError(e.into()))?))
}

/// The name of a `-f` source: the first path's file name without its extension.
fn source_name(files: &[PathBuf]) -> String {
    files
        .first()
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty() && s != "-" && s != "." && s != "..")
        .unwrap_or_else(|| "files".to_owned())
}

/// Whether `origin` is `scheme://host[:port]`.
fn is_origin(origin: &str) -> bool {
    origin.split_once("://").is_some_and(|(scheme, rest)| {
        matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.contains('/')
    })
}
