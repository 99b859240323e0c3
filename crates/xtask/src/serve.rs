//! `cargo xtask serve`: build the web viewer and serve `dist/` on 127.0.0.1 (also under
//! a sub-path, to check that the build works wherever it is hosted).

use anyhow::{Context, Result, bail};

use crate::ctx::{self, Ctx};
use crate::dist;
use crate::install::{self, Tool};
use crate::server::{Mount, SUBPATH, Server};

#[derive(Debug)]
pub struct Options {
    port: u16,
    build: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            port: 8080,
            build: true,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let port = match arg.as_str() {
                "--port" | "-p" => Some(args.next().context("--port needs a number")?.as_str()),
                other => other.strip_prefix("--port="),
            };
            if let Some(port) = port {
                options.port = port
                    .parse()
                    .with_context(|| format!("--port {port}: not a port number"))?;
            } else if arg == "--no-build" {
                options.build = false;
            } else {
                bail!("serve: unexpected argument `{arg}` (see `cargo xtask help`)");
            }
        }
        Ok(options)
    }
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

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_port_and_no_build() {
        let default = Options::parse(&[]).unwrap();
        assert_eq!((default.port, default.build), (8080, true));
        let o = Options::parse(&args(&["--port", "9000", "--no-build"])).unwrap();
        assert_eq!((o.port, o.build), (9000, false));
        assert_eq!(Options::parse(&args(&["--port=81"])).unwrap().port, 81);
        assert!(Options::parse(&args(&["--port"])).is_err());
        assert!(Options::parse(&args(&["--port", "http"])).is_err());
        assert!(Options::parse(&args(&["--verbose"])).is_err());
    }
}
