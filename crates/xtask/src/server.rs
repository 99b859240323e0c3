//! A small static file server (std::net, one thread per connection) for `cargo xtask serve`
//! and the end-to-end tests. It maps URL prefixes ("mounts") to directories, so the same
//! `dist/` can be served at `/` and under a sub-path. GET and HEAD only; no caching.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Where `serve` and the e2e tests also mount `dist/`, to check that the build works when
/// hosted under a sub-path (Trunk.toml's `public_url = "./"`).
pub const SUBPATH: &str = "/some/sub/path/";

/// The longest request head we read; dist/ paths are short.
const MAX_HEAD: u64 = 16 * 1024;
const IO_TIMEOUT: Duration = Duration::from_secs(15);

/// Serve the directory `root` under the URL prefix `prefix` (e.g. `/` or `/some/sub/path/`).
#[derive(Debug, Clone)]
pub struct Mount {
    prefix: String,
    root: PathBuf,
}

impl Mount {
    pub fn new(prefix: &str, root: impl Into<PathBuf>) -> Mount {
        let trimmed = prefix.trim_matches('/');
        let prefix = if trimmed.is_empty() {
            "/".to_owned()
        } else {
            format!("/{trimmed}/")
        };
        Mount {
            prefix,
            root: root.into(),
        }
    }
}

/// A running server; it stops when dropped.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Listens on `bind` (`127.0.0.1:0` picks a free port) and serves `mounts`.
    /// With `log`, prints one line per request.
    pub fn start(bind: &str, mounts: Vec<Mount>, log: bool) -> io::Result<Server> {
        let listener = TcpListener::bind(bind)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let mounts = Arc::new(mounts);
        let thread = {
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name("xtask-server".into())
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(stream) = stream else { continue };
                        let mounts = Arc::clone(&mounts);
                        let _ = thread::Builder::new()
                            .name("xtask-conn".into())
                            .spawn(move || handle(stream, &mounts, log));
                    }
                })?
        };
        Ok(Server {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }

    /// Serves until the process is killed (Ctrl-C).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept() so the loop sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn handle(stream: TcpStream, mounts: &[Mount], log: bool) {
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let Ok(reader) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader.take(MAX_HEAD));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return; // closed without a request (e.g. the wake-up connection)
    }
    // Skip the headers: nothing in them changes the answer.
    let mut header = String::new();
    loop {
        header.clear();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header.trim_end().is_empty() => break,
            Ok(_) => {}
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let response = respond(method, target, mounts);
    if log {
        println!("{} {method} {target} -> {}", timestamp(), response.status);
    }
    let _ = response.write_to(&stream, method == "HEAD");
}

fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "{:02}:{:02}:{:02}",
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    )
}

/// An HTTP response, before it is written.
#[derive(Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_owned())],
            body,
        }
    }

    fn error(status: u16) -> Response {
        let text = format!("{status} {}\n", reason(status));
        Response::new(status, "text/plain; charset=utf-8", text.into_bytes())
    }

    #[cfg(test)]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn write_to(&self, mut stream: &TcpStream, head_only: bool) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        stream.write_all(head.as_bytes())?;
        if !head_only {
            stream.write_all(&self.body)?;
        }
        stream.flush()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    }
}

/// The answer to `method target` (pure apart from reading files: unit-tested directly).
pub fn respond(method: &str, target: &str, mounts: &[Mount]) -> Response {
    if method != "GET" && method != "HEAD" {
        let mut response = Response::error(405);
        response.headers.push(("Allow", "GET, HEAD".into()));
        return response;
    }
    // Drop the query and fragment; the path must be absolute.
    let raw_path = target.split(['?', '#']).next().unwrap_or("");
    if !raw_path.starts_with('/') {
        return Response::error(400);
    }
    let Some(path) = percent_decode(raw_path) else {
        return Response::error(400);
    };
    if path.contains(['\\', '\0']) {
        return Response::error(400);
    }
    // Browsers remove dot segments before sending, so any left are an attempt to escape.
    if path
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return Response::error(403);
    }
    // The longest matching prefix wins; `/sub/path` (no slash) matches the mount `/sub/path/`.
    let Some(mount) = mounts
        .iter()
        .filter(|m| path.starts_with(&m.prefix) || format!("{path}/") == m.prefix)
        .max_by_key(|m| m.prefix.len())
    else {
        return Response::error(404);
    };
    let relative = path.get(mount.prefix.len()..).unwrap_or("");
    let mut file = mount.root.clone();
    file.extend(relative.split('/').filter(|s| !s.is_empty()));

    if file.is_dir() {
        if !path.ends_with('/') {
            // Relative URLs in index.html need the trailing slash.
            let mut response = Response::error(301);
            response.headers.push(("Location", format!("{raw_path}/")));
            return response;
        }
        file.push("index.html");
    }
    if !inside(&file, &mount.root) {
        return Response::error(403);
    }
    match fs::read(&file) {
        Ok(body) => Response::new(200, mime_type(&file), body),
        Err(_) => Response::error(404),
    }
}

/// Whether `file`, with symlinks resolved, is inside `root`.
fn inside(file: &Path, root: &Path) -> bool {
    match (file.canonicalize(), root.canonicalize()) {
        (Ok(file), Ok(root)) => file.starts_with(root),
        // A missing file is a 404, answered by the read.
        _ => true,
    }
}

/// `%XX` decoding of a URL path; `None` if malformed or not UTF-8.
fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = path.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The Content-Type for a file name.
pub fn mime_type(file: &Path) -> &'static str {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json" | "map") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::test_dir;

    /// `<tmp>/site/` to serve, with `<tmp>/secret.txt` beside it that must stay unreachable.
    fn site(name: &str) -> PathBuf {
        let dir = test_dir(name).join("site");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("index.html"), "<!doctype html><p>hi</p>").unwrap();
        fs::write(dir.join("app-123.wasm"), b"\0asm").unwrap();
        fs::write(dir.join("app-123.js"), "export {}").unwrap();
        fs::create_dir_all(dir.join("assets")).unwrap();
        fs::write(dir.join("assets").join("index.html"), "assets").unwrap();
        fs::write(dir.join("assets").join("a b.svg"), "<svg/>").unwrap();
        fs::write(dir.parent().unwrap().join("secret.txt"), "secret").unwrap();
        dir
    }

    #[test]
    fn mime_types() {
        let cases = [
            ("a.wasm", "application/wasm"),
            ("a.js", "text/javascript; charset=utf-8"),
            ("a.css", "text/css; charset=utf-8"),
            ("index.html", "text/html; charset=utf-8"),
            ("a.PNG", "image/png"),
            ("a.svg", "image/svg+xml"),
            ("a.json", "application/json"),
            ("noext", "application/octet-stream"),
        ];
        for (name, want) in cases {
            assert_eq!(mime_type(Path::new(name)), want, "{name}");
        }
    }

    #[test]
    fn routes_files_directories_and_mounts() {
        let dir = site("routes");
        let mounts = [Mount::new("/", &dir), Mount::new("some/sub/path", &dir)];

        for target in ["/", "/?q=1", "/some/sub/path/", "/some/sub/path/index.html"] {
            let r = respond("GET", target, &mounts);
            assert_eq!(r.status, 200, "{target}");
            assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
            assert_eq!(r.body, b"<!doctype html><p>hi</p>");
        }
        let wasm = respond("GET", "/some/sub/path/app-123.wasm", &mounts);
        assert_eq!(
            (wasm.status, wasm.header("Content-Type")),
            (200, Some("application/wasm"))
        );
        let svg = respond("GET", "/assets/a%20b.svg", &mounts);
        assert_eq!(
            (svg.status, svg.body.as_slice()),
            (200, b"<svg/>".as_slice())
        );
        assert_eq!(respond("GET", "/assets/", &mounts).body, b"assets");

        let redirect = respond("GET", "/some/sub/path", &mounts);
        assert_eq!(redirect.status, 301);
        assert_eq!(redirect.header("Location"), Some("/some/sub/path/"));
        assert_eq!(
            respond("GET", "/assets", &mounts).header("Location"),
            Some("/assets/")
        );

        assert_eq!(respond("GET", "/missing.js", &mounts).status, 404);
        assert_eq!(respond("GET", "/some/sub/other/", &mounts).status, 404);
        let only_sub = [Mount::new("/some/sub/path/", &dir)];
        assert_eq!(respond("GET", "/", &only_sub).status, 404);
        fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn rejects_traversal_bad_requests_and_other_methods() {
        let dir = site("reject");
        let mounts = [Mount::new("/", &dir)];
        for target in [
            "/../secret.txt",
            "/assets/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/assets/%2E%2E/%2e%2e/secret.txt",
            "/./index.html",
        ] {
            assert_eq!(respond("GET", target, &mounts).status, 403, "{target}");
        }
        for target in [
            "index.html",
            "/%zz",
            "/%2",
            "/a%5c..%5cb",
            "/%00",
            "http://x/",
        ] {
            assert_eq!(respond("GET", target, &mounts).status, 400, "{target}");
        }
        let post = respond("POST", "/", &mounts);
        assert_eq!(
            (post.status, post.header("Allow")),
            (405, Some("GET, HEAD"))
        );
        assert_eq!(respond("PUT", "/", &mounts).status, 405);
        fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    fn request(server: &Server, raw: &str) -> String {
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    #[test]
    fn serves_over_tcp_with_get_and_head() {
        let dir = site("tcp");
        let server = Server::start(
            "127.0.0.1:0",
            vec![Mount::new("/", &dir), Mount::new("/some/sub/path/", &dir)],
            false,
        )
        .unwrap();
        assert!(server.url("/x").starts_with("http://127.0.0.1:"));

        let get = request(
            &server,
            "GET /some/sub/path/app-123.js HTTP/1.1\r\nHost: x\r\n\r\n",
        );
        assert!(get.starts_with("HTTP/1.1 200 OK\r\n"), "{get}");
        assert!(
            get.contains("Content-Type: text/javascript; charset=utf-8\r\n"),
            "{get}"
        );
        assert!(get.contains("Cache-Control: no-cache\r\n"), "{get}");
        assert!(get.contains("Content-Length: 9\r\n"), "{get}");
        assert!(get.ends_with("\r\n\r\nexport {}"), "{get}");

        let head = request(&server, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.contains("Content-Length: 24\r\n"), "{head}");
        assert!(head.ends_with("\r\n\r\n"), "HEAD has no body: {head}");

        let traversal = request(&server, "GET /../../etc/passwd HTTP/1.1\r\n\r\n");
        assert!(traversal.starts_with("HTTP/1.1 403 "), "{traversal}");
        let delete = request(&server, "DELETE / HTTP/1.1\r\n\r\n");
        assert!(delete.starts_with("HTTP/1.1 405 "), "{delete}");

        server.stop();
        fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }
}
