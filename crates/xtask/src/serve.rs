//! `cargo xtask serve`: build the web viewer and serve `dist/` on 127.0.0.1 (also under
//! a sub-path, to check that the build works wherever it is hosted).

use anyhow::{Context, Result, bail};

use crate::ctx::{self, Ctx};
use crate::dist;
use crate::install::{self, Tool};
use crate::server::{Mount, SUBPATH, Server};

#[derive(Debug, clap::Args)]
pub struct Options {
    /// Serve on 127.0.0.1:PORT.
    #[arg(short, long, default_value_t = 8080)]
    port: u16,
    /// Serve the dist/ already built (skip trunk build --release).
    #[arg(long = "no-build", action = clap::ArgAction::SetFalse)]
    build: bool,
}

pub fn run(ctx: &Ctx, options: &Options) -> Result<()> {
    if options.build {
        install::ensure(ctx, Tool::WEB_BUILD)?;
        ctx::timed("trunk build --release", || dist::build(ctx))?;
    } else if !ctx.dist_dir().join("index.html").is_file() {
        bail!("dist/index.html is missing: run `cargo xtask serve` without --no-build");
    }
    let dist = ctx.dist_dir();
    let bind = format!("127.0.0.1:{}", options.port);
    let server = Server::start(
        &bind,
        vec![Mount::new("/", &dist), Mount::new(SUBPATH, &dist)],
        true,
    )
    .with_context(|| {
        format!("cannot listen on {bind} (port in use? try `cargo xtask serve --port 8081`)")
    })?;
    ctx::header("serving dist/");
    println!();
    println!("    cachelens is at  {}", server.url("/"));
    println!("    and also under   {}", server.url(SUBPATH));
    println!();
    println!("    Press Ctrl-C to stop.");
    println!();
    server.wait();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        match crate::tests::parse(&[&["serve"], args].concat())?.command {
            crate::Command::Serve(options) => Ok(options),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn parses_port_and_no_build() {
        let default = parse(&[]).unwrap();
        assert_eq!((default.port, default.build), (8080, true));
        let o = parse(&["--port", "9000", "--no-build"]).unwrap();
        assert_eq!((o.port, o.build), (9000, false));
        assert_eq!(parse(&["--port=81"]).unwrap().port, 81);
        assert_eq!(parse(&["-p", "82"]).unwrap().port, 82);
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "http"]).is_err());
        assert!(parse(&["--port", "70000"]).is_err());
        assert!(parse(&["--verbose"]).is_err());
    }
}
