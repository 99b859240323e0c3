// Starts the cachelens viewer, and its worker. The page's CSP forbids inline scripts, so instead
// of Trunk's inline loader this file (served from the same origin) loads the wasm-bindgen module;
// Trunk writes the hashed, relative file names onto this script's tag (Trunk.toml
// `pattern_script`). The wasm is compiled once, here: the page instantiates it (the app) and
// hands the same compiled module to a module worker started from this file (web/src/worker.rs),
// where it computes (no window there, so it serves the page instead of mounting the app).
if (typeof document === 'undefined') {
  // In the worker: the first message carries the glue's URL and the compiled module.
  self.addEventListener(
    'message',
    async (e) => {
      const { js, module } = e.data;
      const { default: init } = await import(js);
      await init({ module_or_path: module });
    },
    { once: true },
  );
} else {
  const tag = document.querySelector('script[data-js][data-wasm]');
  const js = new URL(tag.dataset.js, document.baseURI).href;
  const wasm = new URL(tag.dataset.wasm, document.baseURI);
  let module;
  try {
    module = await WebAssembly.compileStreaming(fetch(wasm));
  } catch {
    // A server that does not say application/wasm.
    module = await WebAssembly.compile(await (await fetch(wasm)).arrayBuffer());
  }
  globalThis.cachelensBoot = { js, module, worker: new URL('boot.js', tag.src).href };
  const { default: init } = await import(js);
  await init({ module_or_path: module });
}
